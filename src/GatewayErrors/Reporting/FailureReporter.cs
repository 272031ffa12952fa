using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GatewayErrors;

/// <summary>
/// The one place a gateway failure is reported: the request feature, the log entry and the trace.
/// </summary>
internal sealed class FailureReporter
{
    private readonly ILogger _logger;
    private readonly FailureDiagnostics? _diagnostics;

    public FailureReporter(ILogger<FailureReporter> logger, FailureDiagnostics? diagnostics = null)
    {
        _logger = logger;
        _diagnostics = diagnostics;
    }

    public ILogger Logger => _logger;

    public void Report(HttpContext context, UpstreamFailure failure, int statusCode, string traceId)
    {
        context.Features.Set<IGatewayErrorFeature>(new GatewayErrorFeature(failure, statusCode));

        var type = ErrorTypes.Get(failure.ErrorType);
        var name = type.Name;

        // Metrics and statistics count every failure; repeats within the summary window are counted, not logged.
        var logInFull = _diagnostics?.Record(failure, name, statusCode) ?? true;
        if (logInFull && _logger.IsEnabled(LogLevel.Warning))
        {
            // A failure decided without an exception (an open circuit answered before the endpoint ran, a 5xx treated
            // as a failure) is described by its type, so the entry never reads "(null): (null)".
            var cause = Cause(failure.Exception);
            Log.UpstreamFailure(_logger, failure.Upstream ?? "(unknown)", name, statusCode, context.Request.Method, context.Request.Path.Value ?? "/",
                (long?)failure.Elapsed?.TotalMilliseconds, cause?.GetType().Name ?? "NoException", cause?.Message ?? type.Summary, traceId,
                ErrorAdvice.Get(failure.ErrorType).Owner[0]);
        }

        if (Activity.Current is { } activity)
        {
            // OpenTelemetry's semantic conventions name the failure class error.type.
            activity.SetStatus(ActivityStatusCode.Error, name);
            activity.SetTag("error.type", name);
            activity.SetTag("gateway.upstream", failure.Upstream);
        }
    }

    /// <summary>
    /// The exception whose message best names the cause: the first <see cref="TimeoutException"/> (its message says
    /// which timeout elapsed, while the exceptions under it only say "operation canceled") or Polly rejection in the
    /// chain, otherwise the innermost one.
    /// </summary>
    internal static Exception? Cause(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            // An open circuit's BrokenCircuitException wraps the failure that opened it; the entry is about the
            // circuit, so say so rather than repeat an older connection error.
            if (current is TimeoutException or Polly.ExecutionRejectedException)
            {
                return current;
            }
        }

        while (exception?.InnerException is { } inner && exception is not AggregateException)
        {
            exception = inner;
        }

        return exception;
    }

    private sealed class GatewayErrorFeature(UpstreamFailure failure, int statusCode) : IGatewayErrorFeature
    {
        public UpstreamFailure Failure { get; } = failure;

        public int StatusCode { get; } = statusCode;
    }
}
