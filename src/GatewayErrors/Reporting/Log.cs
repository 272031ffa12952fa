using Microsoft.Extensions.Logging;

namespace GatewayErrors;

/// <summary>
/// Every log event GatewayErrors writes, with stable ids (documented in docs/diagnostics.md).
/// </summary>
/// <remarks>
/// Failures are logged without the exception object: a stack trace per failed request is what caps other gateways
/// at a few thousand error responses per second during an outage, and the type and message say what happened.
/// </remarks>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning,
        "Upstream {Upstream} failed with {ErrorType}; answered {StatusCode} to {Method} {Path} after {ElapsedMilliseconds} ms. {ExceptionType}: {ExceptionMessage} (trace {TraceId})",
        EventName = "UpstreamFailure")]
    public static partial void UpstreamFailure(ILogger logger, string upstream, string errorType, int statusCode, string method, string path,
        long? elapsedMilliseconds, string? exceptionType, string? exceptionMessage, string traceId);

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
}
