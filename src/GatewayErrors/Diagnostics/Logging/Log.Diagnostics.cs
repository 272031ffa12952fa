using Microsoft.Extensions.Logging;

namespace GatewayErrors;

/// <summary>Log events of the resilience pipeline and the log summariser: ids 200 and up (docs/diagnostics.md).</summary>
internal static partial class Log
{
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

    [LoggerMessage(205, LogLevel.Debug,
        "Retrying {Method} to upstream {Upstream} (retry {Retry}) in {DelayMilliseconds} ms after {Outcome}",
        EventName = "RetryingUpstreamCall")]
    public static partial void RetryingUpstreamCall(ILogger logger, string method, string upstream, int retry, long delayMilliseconds, string outcome);
}
