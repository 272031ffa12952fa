using Microsoft.Extensions.Logging;

namespace GatewayErrors;

/// <summary>
/// Every log event GatewayErrors writes, with stable ids (documented in docs/diagnostics.md): 1-99 failures and the
/// middleware, 100-199 error pages, 200-299 failure summaries and the resilience pipeline.
/// </summary>
/// <remarks>
/// Failures are logged without the exception object: a stack trace per failed request is what caps other gateways
/// at a few thousand error responses per second during an outage, and the type and message say what happened.
/// </remarks>
internal static partial class Log
{
    /// <summary>
    /// The category of the failure entries (1-4) and their summaries (200), so that one filter covers a failure and its
    /// repeats. Its value is the one these events have always had; it is public contract (docs/diagnostics.md).
    /// </summary>
    public const string FailureCategory = "GatewayErrors.FailureReporter";

    // 1-99: failures answered by the middleware.
    [LoggerMessage(1, LogLevel.Warning,
        "Upstream {Upstream} failed with {ErrorType}; answered {StatusCode} to {Method} {Path} after {ElapsedMilliseconds} ms. {ExceptionType}: {ExceptionMessage} (trace {TraceId}). Check first: {CheckFirst}",
        EventName = "UpstreamFailure")]
    public static partial void UpstreamFailure(ILogger logger, string upstream, string errorType, int statusCode, string method, string path,
        long? elapsedMilliseconds, string? exceptionType, string? exceptionMessage, string traceId, string checkFirst);

    [LoggerMessage(2, LogLevel.Debug,
        "The client aborted {Method} {Path} while upstream {Upstream} was being called; nothing was written (trace {TraceId})",
        EventName = "ClientAborted")]
    public static partial void ClientAborted(ILogger logger, string method, string path, string upstream, string traceId);

    [LoggerMessage(3, LogLevel.Error,
        "Upstream {Upstream} failed with {ErrorType} after the response to {Method} {Path} had started; the connection was aborted (trace {TraceId})",
        EventName = "ResponseAlreadyStarted")]
    public static partial void ResponseAlreadyStarted(ILogger logger, string upstream, string errorType, string method, string path, string traceId);

    [LoggerMessage(4, LogLevel.Error,
        "Writing the {StatusCode} error response for upstream {Upstream} failed; the connection was aborted (trace {TraceId})",
        EventName = "ErrorResponseFailed")]
    public static partial void ErrorResponseFailed(ILogger logger, Exception exception, int statusCode, string upstream, string traceId);

    [LoggerMessage(6, LogLevel.Error,
        "Upstream {Upstream} failed with {ErrorType} after the response had started {Count} more times in the last {WindowSeconds} s; each connection was aborted, repeats were counted, not logged (the first was logged in full)",
        EventName = "ResponsesAbortedSummarized")]
    public static partial void ResponsesAbortedSummarized(ILogger logger, string upstream, string errorType, long count, double windowSeconds);

    [LoggerMessage(7, LogLevel.Error,
        "Writing the error response for upstream {Upstream} ({ErrorType}) failed {Count} more times in the last {WindowSeconds} s; repeats were counted, not logged (the first was logged in full)",
        EventName = "ErrorResponsesFailedSummarized")]
    public static partial void ErrorResponsesFailedSummarized(ILogger logger, string upstream, string errorType, long count, double windowSeconds);

    [LoggerMessage(8, LogLevel.Debug,
        "The client's request body for {Method} {Path} broke while it was sent to upstream {Upstream}; answered {StatusCode}, not an upstream failure (trace {TraceId})",
        EventName = "ClientRequestBroken")]
    public static partial void ClientRequestBroken(ILogger logger, string method, string path, string upstream, int statusCode, string traceId);

    [LoggerMessage(5, LogLevel.Error,
        "The reloaded GatewayErrors configuration is invalid, so the previous one stays in use until it is fixed: {Reasons}",
        EventName = "OptionsReloadRejected")]
    public static partial void OptionsReloadRejected(ILogger logger, string reasons);

    // 100-199: HTML error pages (themes and custom templates).
    [LoggerMessage(100, LogLevel.Information,
        "Loaded {TemplateCount} custom error page template(s) ({Templates}) over the built-in {Theme} theme",
        EventName = "ErrorPageTemplatesLoaded")]
    public static partial void ErrorPageTemplatesLoaded(ILogger logger, int templateCount, string templates, string theme);

    [LoggerMessage(101, LogLevel.Error,
        "Error page template {Template} failed while rendering the {StatusCode} page; the built-in {Theme} page was sent instead. {ExceptionType}: {ExceptionMessage} (trace {TraceId})",
        EventName = "ErrorPageTemplateFailed")]
    public static partial void ErrorPageTemplateFailed(ILogger logger, string template, int statusCode, string theme, string exceptionType,
        string exceptionMessage, string traceId);

    [LoggerMessage(102, LogLevel.Error,
        "Error page templates do not compile; {Fallback}. {Errors}",
        EventName = "ErrorPageTemplatesInvalid")]
    public static partial void ErrorPageTemplatesInvalid(ILogger logger, string fallback, string errors);

    [LoggerMessage(103, LogLevel.Information,
        "Reloaded {TemplateCount} custom error page template(s) after a change",
        EventName = "ErrorPageTemplatesReloaded")]
    public static partial void ErrorPageTemplatesReloaded(ILogger logger, int templateCount);

    [LoggerMessage(104, LogLevel.Error,
        "The built-in {Theme} error page failed to render; the basic page was sent instead (trace {TraceId})",
        EventName = "BuiltInErrorPageFailed")]
    public static partial void BuiltInErrorPageFailed(ILogger logger, Exception exception, string theme, string traceId);

    // 200-299: the failure summaries and the resilience pipeline.
    [LoggerMessage(200, LogLevel.Warning,
        "Upstream {Upstream} failed with {ErrorType} {Count} more times in the last {WindowSeconds} s; repeats were counted, not logged (the first was logged in full)",
        EventName = "UpstreamFailuresSummarized")]
    public static partial void UpstreamFailuresSummarized(ILogger logger, string upstream, string errorType, long count, double windowSeconds);

    [LoggerMessage(201, LogLevel.Warning,
        "Circuit for upstream {Upstream} opened for {BreakSeconds} s: calls fail at once with 503 until then",
        EventName = "CircuitOpened")]
    public static partial void CircuitOpened(ILogger logger, string upstream, double breakSeconds);

    [LoggerMessage(202, LogLevel.Information,
        "Circuit for upstream {Upstream} is half-open: the next call is a trial",
        EventName = "CircuitHalfOpened")]
    public static partial void CircuitHalfOpened(ILogger logger, string upstream);

    [LoggerMessage(203, LogLevel.Information,
        "Circuit for upstream {Upstream} closed: calls go through again",
        EventName = "CircuitClosed")]
    public static partial void CircuitClosed(ILogger logger, string upstream);

    [LoggerMessage(204, LogLevel.Warning,
        "Circuit for upstream {Upstream} was isolated by the app: calls fail with 503 until it is closed",
        EventName = "CircuitIsolated")]
    public static partial void CircuitIsolated(ILogger logger, string upstream);

    // 205 (RetryingUpstreamCall) is retired with the home-made pipeline: retries are in Polly's own telemetry. Do not
    // reuse the id; docs/diagnostics.md lists it as no longer written.
}
