using Polly.CircuitBreaker;

namespace GatewayErrors;

/// <summary>
/// One upstream's availability as a call made now would find it: every part (the app's isolation, maintenance, each
/// circuit of each client) and the state of the whole, derived from those parts. The diagnostics endpoint, the health
/// checks and <see cref="IGatewayUpstreamCircuits.GetState"/> all read this, so they cannot tell different stories.
/// </summary>
/// <param name="State">
/// The whole: <see cref="CircuitState.Isolated"/> while isolated by the app, in maintenance, or refused by breakers the app
/// isolated itself; <see cref="CircuitState.Open"/> while every client has a pipeline whose every circuit rejects calls;
/// <see cref="CircuitState.HalfOpen"/> while some part is not closed but calls still go through; else
/// <see cref="CircuitState.Closed"/>.
/// </param>
/// <param name="RetryAfter">The earliest end of a break or of the maintenance while calls are refused; null when unknown.</param>
/// <param name="Isolated">Whether the app isolated the upstream through <see cref="IGatewayUpstreamCircuits.IsolateAsync"/>.</param>
/// <param name="Maintenance">The maintenance window while it is active.</param>
/// <param name="Circuits">
/// Each circuit, one per pipeline and authority, and one closed entry without a pipeline for each client no breaker has
/// reported on yet: such a client's calls go through, which is why the whole can be half-open while every listed breaker is open.
/// </param>
internal sealed record UpstreamCircuitView(
    CircuitState State,
    TimeSpan? RetryAfter,
    bool Isolated,
    MaintenanceWindow? Maintenance,
    IReadOnlyList<CircuitView> Circuits)
{
    /// <summary>Gets whether calls to the upstream are refused now, before they are tried.</summary>
    public bool Refused => State is CircuitState.Open or CircuitState.Isolated;
}

/// <summary>One circuit as a call made now would find it (see <see cref="ObservedCircuit.StateAt"/>).</summary>
/// <param name="Client">The client whose pipeline it belongs to.</param>
/// <param name="Pipeline">The pipeline name; null for a client no breaker has reported on yet.</param>
/// <param name="Authority">The authority for a pipeline selected per authority.</param>
/// <param name="State">The state now.</param>
/// <param name="RetryAfter">The break time left while open.</param>
internal sealed record CircuitView(string Client, string? Pipeline, string? Authority, CircuitState State, TimeSpan? RetryAfter);
