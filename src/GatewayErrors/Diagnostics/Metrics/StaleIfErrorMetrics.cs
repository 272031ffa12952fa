using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GatewayErrors;

/// <summary>
/// The stale-if-error instrument of the <c>GatewayErrors</c> meter: stale copies served in place of an error. A copy
/// hides an outage from visitors, so this is the number that shows it to operators.
/// </summary>
internal sealed class StaleIfErrorMetrics
{
    private readonly Counter<long> _served;

    public StaleIfErrorMetrics(IMeterFactory meterFactory)
    {
        // The factory hands out the same meter for the same name: these instruments sit beside GatewayErrorsMetrics' ones.
        var meter = meterFactory.Create(GatewayErrorsMetrics.MeterName);
        _served = meter.CreateCounter<long>("gateway_errors.stale.served", "{response}",
            "Stale copies served instead of an error response, by upstream and the error type that made them stale.");
    }

    public void RecordServed(string upstream, string errorType)
    {
        if (_served.Enabled)
        {
            _served.Add(1, new TagList { { GatewayErrorsMetrics.UpstreamTag, upstream }, { GatewayErrorsMetrics.ErrorTypeTag, errorType } });
        }
    }
}
