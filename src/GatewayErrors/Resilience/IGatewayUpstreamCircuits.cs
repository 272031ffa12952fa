using Polly.CircuitBreaker;

namespace GatewayErrors;

/// <summary>
/// Reads and controls the circuit of each upstream that uses <c>AddGatewayResilience()</c>; resolve it from the
/// service provider. Use it to take an upstream out of service for maintenance: while isolated, calls to it fail at
/// once with 503 <c>destination_unavailable</c> and routes marked with <c>WithGatewayUpstreams()</c> answer 503
/// before their endpoint runs.
/// </summary>
/// <remarks>Upstream names are compared case-insensitively. The circuit of an upstream is shared by every client that calls it.</remarks>
public interface IGatewayUpstreamCircuits
{
    /// <summary>Gets the state of an upstream's circuit.</summary>
    /// <param name="upstream">The upstream name.</param>
    /// <returns>The circuit state; <see cref="CircuitState.Closed"/> for an upstream that has no circuit yet.</returns>
    CircuitState GetState(string upstream);

    /// <summary>Opens an upstream's circuit until <see cref="CloseAsync"/> is called, whatever its health.</summary>
    /// <param name="upstream">The upstream name.</param>
    /// <param name="cancellationToken">Cancels the wait for the circuit's lock.</param>
    /// <returns>A task that completes when the circuit is isolated.</returns>
    ValueTask IsolateAsync(string upstream, CancellationToken cancellationToken = default);

    /// <summary>Closes an upstream's circuit, ending an isolation or a break, and resets its health statistics.</summary>
    /// <param name="upstream">The upstream name.</param>
    /// <param name="cancellationToken">Cancels the wait for the circuit's lock.</param>
    /// <returns>A task that completes when the circuit is closed.</returns>
    ValueTask CloseAsync(string upstream, CancellationToken cancellationToken = default);
}
