using Polly.CircuitBreaker;

namespace GatewayErrors;

/// <summary>
/// One circuit breaker of a resilience pipeline the app built, as its telemetry reported it: one per pipeline and
/// pipeline instance (the authority, for pipelines selected per authority).
/// </summary>
/// <remarks>
/// Polly keeps the breaker's own state and does not tell when a break ends; its <c>OnCircuitOpened</c> event does, so the
/// end of the break is kept here. It is written by telemetry callbacks (under the breaker's own lock, one writer at a
/// time per breaker) and read by every request to a marked route, hence the volatile fields instead of a lock.
/// </remarks>
internal sealed class ObservedCircuit
{
    private int _state;
    private long _openUntilUtcTicks;

    public ObservedCircuit(string client, string pipeline, string? authority)
    {
        Client = client;
        Pipeline = pipeline;
        Authority = string.IsNullOrEmpty(authority) ? null : authority;
    }

    /// <summary>Gets the name of the client the pipeline belongs to.</summary>
    public string Client { get; }

    /// <summary>Gets the pipeline name, <c>&lt;client&gt;-&lt;pipeline&gt;</c> (for example <c>catalog-standard</c>).</summary>
    public string Pipeline { get; }

    /// <summary>Gets the authority for a pipeline selected per authority (<c>SelectPipelineByAuthority()</c>), else <see langword="null"/>.</summary>
    public string? Authority { get; }

    public CircuitState State => (CircuitState)Volatile.Read(ref _state);

    /// <summary>When the break ends; <see cref="DateTimeOffset.MaxValue"/> for an isolated circuit.</summary>
    public DateTimeOffset OpenUntil => new(Volatile.Read(ref _openUntilUtcTicks), TimeSpan.Zero);

    public void Opened(DateTimeOffset until, bool isolated)
    {
        Volatile.Write(ref _openUntilUtcTicks, isolated ? DateTimeOffset.MaxValue.UtcTicks : until.UtcTicks);
        Volatile.Write(ref _state, (int)(isolated ? CircuitState.Isolated : CircuitState.Open));
    }

    public void HalfOpened() => Volatile.Write(ref _state, (int)CircuitState.HalfOpen);

    public void Closed()
    {
        Volatile.Write(ref _state, (int)CircuitState.Closed);
        Volatile.Write(ref _openUntilUtcTicks, 0);
    }

    /// <summary>
    /// Whether the breaker rejects a call made now without trying it: isolated, or open with break time left. Once the
    /// break is over the next call is Polly's trial, so the circuit no longer counts as rejecting.
    /// </summary>
    public bool IsRejecting(DateTimeOffset now, out TimeSpan? retryAfter)
    {
        retryAfter = null;
        switch (State)
        {
            case CircuitState.Isolated:
                return true;
            case CircuitState.Open:
                var remaining = OpenUntil - now;
                if (remaining > TimeSpan.Zero)
                {
                    retryAfter = remaining;
                    return true;
                }

                return false;
            default:
                return false;
        }
    }
}
