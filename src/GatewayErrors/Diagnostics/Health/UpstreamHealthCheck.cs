using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace GatewayErrors;

/// <summary>
/// The health of one upstream as this app sees it: Unhealthy while calls to it are refused (isolated, in maintenance,
/// or every circuit rejecting), Degraded while some circuit is open or half-open or recent failures reach
/// <see cref="GatewayDiagnosticsOptions.DegradedFailureThreshold"/>, Healthy otherwise.
/// </summary>
/// <remarks>
/// It reads state other code keeps; it never calls the upstream, so probing health cannot add load during an outage.
/// Its data lists each circuit under <c>circuit:&lt;pipeline&gt;</c> (with <c>@&lt;authority&gt;</c> for a pipeline selected
/// per authority).
/// </remarks>
internal sealed class UpstreamHealthCheck : IHealthCheck
{
    private readonly string _upstream;
    private readonly UpstreamCircuits _circuits;
    private readonly UpstreamFailureStatistics _statistics;
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;

    public UpstreamHealthCheck(string upstream, UpstreamCircuits circuits, UpstreamFailureStatistics statistics, IOptionsMonitor<GatewayErrorsOptions> options)
    {
        _upstream = upstream;
        _circuits = circuits;
        _statistics = statistics;
        _options = options;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var diagnostics = _options.CurrentValue.Diagnostics;
        var now = _circuits.TimeProvider.GetUtcNow();
        var snapshot = _statistics.Get(_upstream);
        var recent = snapshot?.Recent ?? 0;
        var view = _circuits.Get(_upstream).Read(now);

        var data = new Dictionary<string, object>
        {
            ["circuit"] = CircuitStateNames.Of(view.State),
            ["recentFailures"] = recent,
            ["totalFailures"] = snapshot?.Total ?? 0,
        };
        foreach (var circuit in view.Circuits)
        {
            if (circuit.Pipeline is not null)
            {
                data[CircuitKey(circuit)] = CircuitStateNames.Of(circuit.State);
            }
        }

        if (snapshot?.Last is { } last)
        {
            data["lastErrorType"] = ErrorTaxonomy.Get(last.ErrorType).Name;
            data["lastFailureAt"] = last.At;
        }

        var wait = view.RetryAfter is { } remaining ? $" for {Math.Ceiling(remaining.TotalSeconds)} s" : string.Empty;
        var result = view.State switch
        {
            CircuitState.Isolated when view.Maintenance is not null => HealthCheckResult.Unhealthy($"Upstream '{_upstream}' is in maintenance{wait}.", data: data),
            CircuitState.Isolated => HealthCheckResult.Unhealthy($"Upstream '{_upstream}' is isolated (taken out of service by the app).", data: data),
            CircuitState.Open => HealthCheckResult.Unhealthy($"Upstream '{_upstream}' has every circuit open{wait}: calls are refused until the next trial.", data: data),
            CircuitState.HalfOpen => HealthCheckResult.Degraded(
                $"Upstream '{_upstream}' is recovering, or partly available: some of its circuits are open or let a trial call through.", data: data),
            _ when recent >= diagnostics.DegradedFailureThreshold => HealthCheckResult.Degraded(
                $"Upstream '{_upstream}' failed {recent} times in the last {diagnostics.RecentWindow.TotalSeconds} s.", data: data),
            _ => HealthCheckResult.Healthy($"Upstream '{_upstream}' is available.", data),
        };
        return Task.FromResult(result);
    }

    internal static string CircuitKey(CircuitView circuit)
        => circuit.Authority is { } authority ? $"circuit:{circuit.Pipeline}@{authority}" : $"circuit:{circuit.Pipeline}";
}
