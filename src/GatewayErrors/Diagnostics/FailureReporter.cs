using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace GatewayErrors;

/// <summary>
/// The one place a gateway failure is reported: the request feature, the metrics, the statistics behind health checks
/// and the diagnostics endpoint, the log entry (in full or counted into a summary) and the trace.
/// </summary>
internal sealed class FailureReporter
{
    public const string UnknownUpstream = "(unknown)";

    private readonly ILogger _logger;
    private readonly GatewayErrorsMetrics _metrics;
    private readonly UpstreamFailureStatistics _statistics;
    private readonly FailureLogSummarizer _summarizer;

    public FailureReporter(ILoggerFactory loggerFactory, GatewayErrorsMetrics metrics, UpstreamFailureStatistics statistics, FailureLogSummarizer summarizer)
    {
        _logger = loggerFactory.CreateLogger(Log.FailureCategory);
        _metrics = metrics;
        _statistics = statistics;
        _summarizer = summarizer;
    }

    /// <summary>Gets the logger of the failure category, for the middleware's own failure events (2-4).</summary>
    public ILogger Logger => _logger;

    public void Report(HttpContext context, UpstreamFailure failure, int statusCode, string traceId)
    {
        context.Features.Set<IGatewayErrorFeature>(new GatewayErrorFeature(failure, statusCode));

        var type = ErrorTaxonomy.Get(failure.ErrorType);
        var name = type.Name;
        var upstream = failure.Upstream ?? UnknownUpstream;

        // Metrics and statistics count every failure; repeats within the summary window are counted, not logged.
        _metrics.RecordFailure(upstream, name, statusCode);
        _statistics.Record(upstream, failure, statusCode);
        if (_summarizer.ShouldLogInFull(upstream, failure.ErrorType) && _logger.IsEnabled(LogLevel.Warning))
        {
            // A failure decided without an exception (an open circuit answered before the endpoint ran, a 5xx treated
            // as a failure) is described by its type, so the entry never reads "(null): (null)".
            var cause = ExceptionChain.Cause(failure.Exception);
            Log.UpstreamFailure(_logger, upstream, name, statusCode, context.Request.Method, context.Request.Path.Value ?? "/",
                (long?)failure.Elapsed?.TotalMilliseconds, cause?.GetType().Name ?? "NoException", cause?.Message ?? type.EnglishSummary, traceId,
                type.OwnerAdvice[0]);
        }

        // OpenTelemetry's semantic conventions name the failure class error.type: on ASP.NET Core's request metric and activity.
        GatewayMetricsTags.Tag(context, name);
        (context.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current)?.SetTag("gateway.upstream", failure.Upstream);
    }

    private sealed class GatewayErrorFeature(UpstreamFailure failure, int statusCode) : IGatewayErrorFeature
    {
        public UpstreamFailure Failure { get; } = failure;

        public int StatusCode { get; } = statusCode;
    }
}
