using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// The one place an answered upstream failure is reported, whatever the answer (an error response, a stale copy, an
/// aborted response): the request feature, the metrics (the outcome is a tag), the statistics behind health checks and
/// the diagnostics endpoint, the log entry (in full or counted into a summary) and the trace. The client's own doings
/// (it left, it sent a broken body) are logged at Debug and nothing else.
/// </summary>
internal sealed class FailureReporter : IDisposable
{
    public const string UnknownUpstream = "(unknown)";

    private readonly ILogger _logger;
    private readonly GatewayErrorsMetrics _metrics;
    private readonly UpstreamFailureStatistics _statistics;
    private readonly FailureLogSummarizer _failures;
    private readonly FailureLogSummarizer _staleCopies;
    private readonly FailureLogSummarizer _aborted;
    private readonly FailureLogSummarizer _writeFailures;
    private readonly TimeProvider _timeProvider;

    public FailureReporter(ILoggerFactory loggerFactory, GatewayErrorsMetrics metrics, UpstreamFailureStatistics statistics, FailureLogSummarizer summarizer,
        IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider)
    {
        _logger = loggerFactory.CreateLogger(Log.FailureCategory);
        _metrics = metrics;
        _statistics = statistics;
        _failures = summarizer;
        _timeProvider = timeProvider;

        // Each kind of entry is summarised on its own, in the category of its full entries, so an outage writes a few
        // entries per window whatever it is answered with.
        var staleLogger = loggerFactory.CreateLogger<StaleCopies>();
        _staleCopies = new FailureLogSummarizer(options, timeProvider, staleLogger, Log.StaleCopiesServedSummarized);
        _aborted = new FailureLogSummarizer(options, timeProvider, _logger, Log.ResponsesAbortedSummarized);
        _writeFailures = new FailureLogSummarizer(options, timeProvider, _logger, Log.ErrorResponsesFailedSummarized);
        StaleLogger = staleLogger;
    }

    /// <summary>Gets the logger of the failure category.</summary>
    public ILogger Logger => _logger;

    /// <summary>Gets the logger of stale-copy events (category <c>GatewayErrors.StaleCopies</c>).</summary>
    public ILogger StaleLogger { get; }

    public void Report(HttpContext context, in Answer answer, string traceId)
    {
        var request = context.Request;
        if (answer.Failure is not { } failure || answer.Outcome is not { } outcome)
        {
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                var upstream = answer.Upstream ?? UnknownUpstream;
                if (answer.Kind == AnswerKind.ClientError)
                {
                    Log.ClientRequestBroken(_logger, request.Method, LogValues.Path(request), upstream, answer.StatusCode, traceId);
                }
                else
                {
                    Log.ClientAborted(_logger, request.Method, LogValues.Path(request), upstream, traceId);
                }
            }

            return;
        }

        context.Features.Set<IGatewayErrorFeature>(new GatewayErrorFeature(failure, answer.StatusCode, outcome));

        var type = ErrorTaxonomy.Get(failure.ErrorType);
        var name = type.Name;
        var upstreamName = failure.Upstream ?? UnknownUpstream;

        // Metrics and statistics count every failure, however it was answered; repeats within the summary window are
        // counted, not logged.
        _metrics.RecordFailure(upstreamName, name, answer.StatusCode, outcome);
        _statistics.Record(upstreamName, failure, answer.StatusCode);
        switch (outcome)
        {
            case GatewayErrorOutcome.ErrorResponse when _logger.IsEnabled(LogLevel.Warning) && _failures.ShouldLogInFull(upstreamName, failure.ErrorType):
                // A failure decided without an exception (an open circuit answered before the endpoint ran, a 5xx treated
                // as a failure) is described by its type, so the entry never reads "(null): (null)".
                var cause = ExceptionChain.Cause(failure.Exception);
                Log.UpstreamFailure(_logger, upstreamName, name, answer.StatusCode, request.Method, LogValues.Path(request),
                    (long?)failure.Elapsed?.TotalMilliseconds, cause?.GetType().Name ?? "NoException", LogValues.Text(cause?.Message) ?? type.EnglishSummary,
                    traceId, type.OwnerAdvice[0]);
                break;

            case GatewayErrorOutcome.StaleCopy when StaleLogger.IsEnabled(LogLevel.Warning) && _staleCopies.ShouldLogInFull(upstreamName, failure.ErrorType):
                Log.StaleCopyServed(StaleLogger, upstreamName, name, answer.Copy!.AgeSeconds(_timeProvider.GetUtcNow()),
                    request.Method, LogValues.Path(request), traceId);
                break;

            case GatewayErrorOutcome.Aborted when _logger.IsEnabled(LogLevel.Error) && _aborted.ShouldLogInFull(upstreamName, failure.ErrorType):
                Log.ResponseAlreadyStarted(_logger, upstreamName, name, request.Method, LogValues.Path(request), traceId);
                break;
        }

        // OpenTelemetry's semantic conventions name the failure class error.type, on the request's own activity even when
        // app code left another one current. A stale copy answered the request, so neither its span nor ASP.NET Core's
        // request metric counts it as failed, but the span still says what the copy stood in for.
        if (outcome != GatewayErrorOutcome.StaleCopy)
        {
            GatewayMetricsTags.Tag(context, name);
        }

        if ((context.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current) is { } activity)
        {
            activity.SetTag(GatewayErrorsMetrics.ErrorTypeTag, name);
            activity.SetTag(GatewayErrorsMetrics.UpstreamTag, failure.Upstream);
            activity.SetTag(GatewayErrorsMetrics.OutcomeTag, GatewayErrorsMetrics.OutcomeName(outcome));
        }
    }

    /// <summary>Writing the chosen answer failed after it was reported: logged (summarised), never thrown.</summary>
    public void ReportWriteFailure(HttpContext context, in Answer answer, Exception exception, string traceId)
    {
        var upstream = answer.Upstream ?? UnknownUpstream;
        if (answer.Failure is { } failure && _logger.IsEnabled(LogLevel.Error) && _writeFailures.ShouldLogInFull(upstream, failure.ErrorType))
        {
            Log.ErrorResponseFailed(_logger, exception, answer.StatusCode, upstream, traceId);
        }
    }

    public void Dispose()
    {
        _staleCopies.Dispose();
        _aborted.Dispose();
        _writeFailures.Dispose();
    }

    private sealed class GatewayErrorFeature(UpstreamFailure failure, int statusCode, GatewayErrorOutcome outcome) : IGatewayErrorFeature
    {
        public UpstreamFailure Failure { get; } = failure;

        public int StatusCode { get; } = statusCode;

        public GatewayErrorOutcome Outcome { get; } = outcome;
    }
}
