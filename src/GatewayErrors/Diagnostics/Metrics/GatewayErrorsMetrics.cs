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
    public const string OutcomeTag = "gateway.outcome";

    private readonly Counter<long> _failures;
    private readonly Counter<long> _circuitStateChanges;

    public GatewayErrorsMetrics(IMeterFactory meterFactory)
    {
        // The factory owns the meter (and disposes it with the container); tests tell their meters apart by factory.
        var meter = meterFactory.Create(MeterName);
        _failures = meter.CreateCounter<long>("gateway_errors.upstream.failures", "{failure}",
            "Upstream failures answered by GatewayErrors, by upstream, error type, the status sent and the outcome (error_response, stale_copy, aborted).");
        // Call durations and retries are the resilience pipeline's (resilience.polly.pipeline.duration,
        // resilience.polly.strategy.events) and HttpClient's (http.client.request.duration): not repeated here.
        _circuitStateChanges = meter.CreateCounter<long>("gateway_errors.circuit.state_changes", "{change}",
            "Circuit breaker transitions, by upstream and the state entered (open, half_open, closed, isolated).");
    }

    /// <summary>The outcome's name in metrics and traces.</summary>
    public static string OutcomeName(GatewayErrorOutcome outcome) => outcome switch
    {
        GatewayErrorOutcome.StaleCopy => "stale_copy",
        GatewayErrorOutcome.Aborted => "aborted",
        _ => "error_response",
    };

    public void RecordFailure(string upstream, string errorType, int statusCode, GatewayErrorOutcome outcome)
    {
        if (_failures.Enabled)
        {
            var tags = new TagList
            {
                { UpstreamTag, upstream },
                { ErrorTypeTag, errorType },
                { StatusCodeTag, statusCode },
                { OutcomeTag, OutcomeName(outcome) },
            };
            _failures.Add(1, tags);
        }
    }

    public void RecordCircuitState(string upstream, string state)
        => _circuitStateChanges.Add(1, new TagList { { UpstreamTag, upstream }, { CircuitStateTag, state } });
}
