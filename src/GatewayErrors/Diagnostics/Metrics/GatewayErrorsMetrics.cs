using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GatewayErrors;

/// <summary>
/// The instruments of the <c>GatewayErrors</c> meter, named after OpenTelemetry's semantic conventions
/// (listed in docs/diagnostics.md).
/// </summary>
internal sealed class GatewayErrorsMetrics
{
    public const string MeterName = "GatewayErrors";

    // The tag names traces use too (FailureReporter), so one query works for both.
    public const string UpstreamTag = "gateway.upstream";
    public const string ErrorTypeTag = "error.type";
    public const string StatusCodeTag = "http.response.status_code";
    public const string CircuitStateTag = "gateway.circuit.state";

    // http.client.request.duration's advised buckets: the same resolution as the runtime's own HTTP metrics.
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30];

    private readonly Counter<long> _failures;
    private readonly Histogram<double> _callDuration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _circuitStateChanges;

    public GatewayErrorsMetrics(IMeterFactory meterFactory)
    {
        // The factory owns the meter (and disposes it with the container); tests tell their meters apart by factory.
        var meter = meterFactory.Create(MeterName);
        _failures = meter.CreateCounter<long>("gateway_errors.upstream.failures", "{failure}",
            "Upstream failures answered with a gateway error, by upstream, error type and the status sent.");
        _callDuration = meter.CreateHistogram<double>("gateway_errors.upstream.call.duration", "s",
            "Duration of logical upstream calls through the resilience pipeline, retries and waits included.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _retries = meter.CreateCounter<long>("gateway_errors.upstream.retries", "{retry}",
            "Retries of upstream calls, by upstream and the outcome that caused them.");
        _circuitStateChanges = meter.CreateCounter<long>("gateway_errors.circuit.state_changes", "{change}",
            "Circuit breaker transitions, by upstream and the state entered (open, half_open, closed, isolated).");
    }

    public void RecordFailure(string upstream, string errorType, int statusCode)
    {
        if (_failures.Enabled)
        {
            var tags = new TagList
            {
                { UpstreamTag, upstream },
                { ErrorTypeTag, errorType },
                { StatusCodeTag, statusCode },
            };
            _failures.Add(1, tags);
        }
    }

    public void RecordCallDuration(string upstream, double seconds, int? statusCode, string? errorType)
    {
        if (_callDuration.Enabled)
        {
            var tags = new TagList { { UpstreamTag, upstream } };
            if (statusCode is { } status)
            {
                tags.Add(StatusCodeTag, status);
            }

            if (errorType is not null)
            {
                tags.Add(ErrorTypeTag, errorType);
            }

            _callDuration.Record(seconds, tags);
        }
    }

    public void RecordRetry(string upstream, string outcome)
    {
        if (_retries.Enabled)
        {
            _retries.Add(1, new TagList { { UpstreamTag, upstream }, { ErrorTypeTag, outcome } });
        }
    }

    public void RecordCircuitState(string upstream, string state)
        => _circuitStateChanges.Add(1, new TagList { { UpstreamTag, upstream }, { CircuitStateTag, state } });
}
