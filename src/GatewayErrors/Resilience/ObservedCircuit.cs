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
    /// The state as a call made now would find it. An open circuit whose break is over reads half-open: Polly lets the
    /// next call through as its trial, although it reports the change only when that call arrives.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="breakLeft">The break time left while open; null otherwise (an isolated circuit has no known end).</param>
    public CircuitState StateAt(DateTimeOffset now, out TimeSpan? breakLeft)
    {
        breakLeft = null;
        var state = State;
        if (state != CircuitState.Open)
        {
            return state;
        }

        var remaining = OpenUntil - now;
        if (remaining <= TimeSpan.Zero)
        {
            return CircuitState.HalfOpen;
        }

        breakLeft = remaining;
        return CircuitState.Open;
    }

    /// <summary>
    /// Whether the breaker rejects a call made now without trying it: isolated, or open with break time left.
    /// </summary>
    public bool IsRejecting(DateTimeOffset now, out TimeSpan? retryAfter)
        => StateAt(now, out retryAfter) is CircuitState.Open or CircuitState.Isolated;
}
