using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace GatewayErrors;

/// <summary>
/// The health of one upstream as this app sees it: Unhealthy while its circuit is open or isolated, Degraded while
/// the circuit is half-open (or its break is over and the trial call is pending) or recent failures reach
/// <see cref="GatewayDiagnosticsOptions.DegradedFailureThreshold"/>, Healthy otherwise.
/// </summary>
/// <remarks>It reads state other code keeps; it never calls the upstream, so probing health cannot add load during an outage.</remarks>
internal sealed class UpstreamHealthCheck : IHealthCheck
{
    private readonly string _upstream;
    private readonly UpstreamResilience _resilience;
    private readonly UpstreamFailureStatistics _statistics;
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly TimeProvider _timeProvider;

    public UpstreamHealthCheck(string upstream, UpstreamResilience resilience, UpstreamFailureStatistics statistics,
        IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider)
    {
        _upstream = upstream;
        _resilience = resilience;
        _statistics = statistics;
        _options = options;
        _timeProvider = timeProvider;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var diagnostics = _options.CurrentValue.Diagnostics;
        var snapshot = _statistics.Get(_upstream);
        var recent = snapshot?.Recent ?? 0;
        var state = CircuitState.Closed;
        TimeSpan? retryAfter = null;
        var rejecting = _resilience.TryGet(_upstream, out var pipeline) && pipeline.IsRejecting(_timeProvider.GetUtcNow(), out retryAfter);
        if (pipeline is not null)
        {
            state = pipeline.State;
        }

        var data = new Dictionary<string, object>
        {
            ["circuit"] = state.ToString(),
            ["recentFailures"] = recent,
            ["totalFailures"] = snapshot?.Total ?? 0,
        };
        if (snapshot?.Last is { } last)
        {
            data["lastErrorType"] = ErrorTaxonomy.Get(last.ErrorType).Name;
            data["lastFailureAt"] = last.At;
        }

        var result = state switch
        {
            CircuitState.Isolated => HealthCheckResult.Unhealthy($"Upstream '{_upstream}' is isolated (taken out of service by the app).", data: data),
            CircuitState.Open when rejecting => HealthCheckResult.Unhealthy(
                $"Upstream '{_upstream}' has an open circuit; the next trial call is in {Math.Ceiling(retryAfter?.TotalSeconds ?? 0)} s.", data: data),
            CircuitState.Open or CircuitState.HalfOpen => HealthCheckResult.Degraded(
                $"Upstream '{_upstream}' is recovering: its circuit lets a trial call through.", data: data),
            _ when recent >= diagnostics.DegradedFailureThreshold => HealthCheckResult.Degraded(
                $"Upstream '{_upstream}' failed {recent} times in the last {diagnostics.RecentWindow.TotalSeconds} s.", data: data),
            _ => HealthCheckResult.Healthy($"Upstream '{_upstream}' is available.", data),
        };
        return Task.FromResult(result);
    }
}
