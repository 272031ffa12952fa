using Polly.CircuitBreaker;

namespace GatewayErrors;

/// <summary>
/// Reads the circuit state of each upstream and takes an upstream out of service; resolve it from the service provider.
/// </summary>
/// <remarks>
/// <para>
/// The state comes from the circuit breakers of the app's own resilience pipelines (Microsoft.Extensions.Http.Resilience's
/// <c>AddStandardResilienceHandler()</c>, <c>AddStandardHedgingHandler()</c> or <c>AddResilienceHandler(...)</c>) on
/// clients with <c>AddGatewayErrorsHandler()</c>, as their telemetry reports it: nothing else needs to be set up.
/// </para>
/// <para>
/// Isolation is kept by GatewayErrors, in memory, per app instance: while an upstream is isolated, calls to it fail at once
/// with 503 <c>destination_unavailable</c> (no <c>Retry-After</c>: nobody knows when it ends) and routes marked with
/// <c>WithGatewayUpstreams()</c> answer 503 before their endpoint runs. To take an upstream out of service on every
/// instance, use <c>GatewayErrors:Upstreams:&lt;name&gt;:Maintenance</c> in shared configuration instead.
/// Upstream names are compared case-insensitively.
/// </para>
/// </remarks>
public interface IGatewayUpstreamCircuits
{
    /// <summary>Gets the state of an upstream as a whole.</summary>
    /// <param name="upstream">The upstream name.</param>
    /// <returns>
    /// <see cref="CircuitState.Isolated"/> while it is isolated or in maintenance (or every breaker was isolated by the app);
    /// <see cref="CircuitState.Open"/> while every circuit known for it rejects calls; <see cref="CircuitState.HalfOpen"/>
    /// while some calls go through (a trial after a break, or another authority's circuit); otherwise, and for an
    /// upstream no breaker has reported yet, <see cref="CircuitState.Closed"/>.
    /// </returns>
    CircuitState GetState(string upstream);

    /// <summary>Takes an upstream out of service until <see cref="CloseAsync"/> is called, whatever its health.</summary>
    /// <param name="upstream">The upstream name.</param>
    /// <param name="cancellationToken">Not used; kept for callers that pass one.</param>
    /// <returns>A task that completes when the upstream is isolated.</returns>
    ValueTask IsolateAsync(string upstream, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends an isolation started with <see cref="IsolateAsync"/>. A circuit that a resilience handler opened is not
    /// affected: it closes after its break, when its trial call succeeds.
    /// </summary>
    /// <param name="upstream">The upstream name.</param>
    /// <param name="cancellationToken">Not used; kept for callers that pass one.</param>
    /// <returns>A task that completes when the isolation has ended.</returns>
    ValueTask CloseAsync(string upstream, CancellationToken cancellationToken = default);
}
