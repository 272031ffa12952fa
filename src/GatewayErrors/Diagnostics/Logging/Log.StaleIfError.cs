using Microsoft.Extensions.Logging;

namespace GatewayErrors;

/// <summary>Log events of stale-if-error (kept copies served when an upstream fails): ids 400 and up (docs/diagnostics.md).</summary>
internal static partial class Log
{
    [LoggerMessage(400, LogLevel.Warning,
        "Upstream {Upstream} failed with {ErrorType}; served a stale copy ({AgeSeconds} s old) to {Method} {Path} instead of an error (trace {TraceId}). The outage is hidden from visitors, not fixed",
        EventName = "StaleCopyServed")]
    public static partial void StaleCopyServed(ILogger logger, string upstream, string errorType, long ageSeconds, string method, string path, string traceId);

    [LoggerMessage(401, LogLevel.Warning,
        "Served stale copies for upstream {Upstream} ({ErrorType}) {Count} more times in the last {WindowSeconds} s; repeats were counted, not logged (the first was logged in full)",
        EventName = "StaleCopiesServedSummarized")]
    public static partial void StaleCopiesServedSummarized(ILogger logger, string upstream, string errorType, long count, double windowSeconds);

    [LoggerMessage(402, LogLevel.Warning,
        "The response to {Method} {Path} is larger than GatewayErrors:StaleIfError:MaxEntryBytes ({MaxEntryBytes} bytes) and is not kept; logged once per endpoint",
        EventName = "StaleCopyTooLarge")]
    public static partial void StaleCopyTooLarge(ILogger logger, string method, string path, long maxEntryBytes);

    [LoggerMessage(403, LogLevel.Warning,
        "The shared cache for stale copies failed to {Operation} ({Cause}); copies are served from this instance's memory, and the shared cache is not read for {BackoffSeconds} s. Repeats are summarised",
        EventName = "StaleCacheFailed")]
    public static partial void StaleCacheFailed(ILogger logger, string operation, string cause, double backoffSeconds);

    [LoggerMessage(404, LogLevel.Warning,
        "The shared cache for stale copies failed {Count} more times in the last {WindowSeconds} s (last: {Cause})",
        EventName = "StaleCacheStillFailing")]
    public static partial void StaleCacheStillFailing(ILogger logger, long count, double windowSeconds, string cause);

    [LoggerMessage(405, LogLevel.Information,
        "The shared cache for stale copies answers again after {Seconds} s ({Count} more failures since the first was logged)",
        EventName = "StaleCacheRecovered")]
    public static partial void StaleCacheRecovered(ILogger logger, double seconds, long count);

    [LoggerMessage(406, LogLevel.Warning,
        "Ignored a value of {Length} bytes under a stale copy key in the shared cache: it was not written by GatewayErrors or is incomplete ({Count} such values since the last entry)",
        EventName = "StaleCacheDataRejected")]
    public static partial void StaleCacheDataRejected(ILogger logger, int length, long count);

    [LoggerMessage(407, LogLevel.Warning,
        "A stale copy could not be read and was ignored ({Count} such copies since the last entry; repeats are summarised every 10 s). {ExceptionType}: {ExceptionMessage}",
        EventName = "StaleCopyUnreadable")]
    public static partial void StaleCopyUnreadable(ILogger logger, long count, string exceptionType, string exceptionMessage);

    [LoggerMessage(408, LogLevel.Warning,
        "A stale copy could not be stored. {ExceptionType}: {ExceptionMessage}",
        EventName = "StaleCopyNotStored")]
    public static partial void StaleCopyNotStored(ILogger logger, string exceptionType, string exceptionMessage);

    // 409 (StaleCopyFailed) is retired: a copy that fails while it is written is reported like any answer that fails
    // then, as ErrorResponseFailed (4). Do not reuse the id.

    [LoggerMessage(410, LogLevel.Warning,
        "Ignored a value of {Length} bytes under a stale copy key in the shared cache: its signature does not verify with GatewayErrors:StaleIfError:SigningKey (written without the key, signed with another key, or moved from another key) ({Count} such values since the last entry)",
        EventName = "StaleCacheSignatureRejected")]
    public static partial void StaleCacheSignatureRejected(ILogger logger, int length, long count);

    [LoggerMessage(411, LogLevel.Warning,
        "Route {Route} has {Count} copies in the shared cache (GatewayErrors:StaleIfError:MaxSharedCopiesPerRoute); copies of further URLs are kept in this instance's memory only until some expire. Logged once per route",
        EventName = "StaleSharedCopiesFull")]
    public static partial void StaleSharedCopiesFull(ILogger logger, string route, int count);
}
