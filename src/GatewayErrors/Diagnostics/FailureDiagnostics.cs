namespace GatewayErrors;

/// <summary>
/// What <see cref="FailureReporter"/> calls for each reported failure, besides the request feature and the trace:
/// metrics, statistics, and the decision whether this failure is logged in full or summarised.
/// </summary>
internal sealed class FailureDiagnostics
{
    public const string UnknownUpstream = "(unknown)";

    private readonly GatewayErrorsMetrics _metrics;
    private readonly UpstreamFailureStatistics _statistics;
    private readonly FailureLogSummarizer _summarizer;

    public FailureDiagnostics(GatewayErrorsMetrics metrics, UpstreamFailureStatistics statistics, FailureLogSummarizer summarizer)
    {
        _metrics = metrics;
        _statistics = statistics;
        _summarizer = summarizer;
    }

    /// <summary>Records a failure; returns <see langword="true"/> when it should be logged in full.</summary>
    public bool Record(UpstreamFailure failure, string errorType, int statusCode)
    {
        var upstream = failure.Upstream ?? UnknownUpstream;
        _metrics.RecordFailure(upstream, errorType, statusCode);
        _statistics.Record(upstream, failure, statusCode);
        return _summarizer.ShouldLogInFull(upstream, failure.ErrorType);
    }
}
