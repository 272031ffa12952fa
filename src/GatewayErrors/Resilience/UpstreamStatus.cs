using Polly.CircuitBreaker;

namespace GatewayErrors;

/// <summary>
/// Everything that can make one upstream unavailable before a call is tried: the circuits of the app's resilience
/// pipelines that call it, an isolation through <see cref="IGatewayUpstreamCircuits"/>, and maintenance from configuration.
/// </summary>
/// <remarks>
/// Read on every call and every request to a marked route, so the common case (nothing open, nothing isolated) is one
/// volatile read of <see cref="_mayReject"/>.
/// </remarks>
internal sealed class UpstreamStatus
{
    private readonly object _lock = new();
    private readonly string[] _clients;
    private ObservedCircuit[] _circuits = [];
    private volatile bool _isolated;
    private volatile MaintenanceWindow? _maintenance;
    private volatile bool _mayReject;

    /// <param name="name">The upstream name.</param>
    /// <param name="clients">The clients that call it with <c>AddGatewayErrorsHandler()</c>.</param>
    public UpstreamStatus(string name, string[] clients)
    {
        Name = name;
        _clients = clients;
    }

    public string Name { get; }

    public IReadOnlyList<ObservedCircuit> Circuits => Volatile.Read(ref _circuits);

    public bool Isolated => _isolated;

    /// <summary>
    /// False while nothing can make <see cref="IsUnavailable"/> true (no isolation, maintenance or open circuit): one
    /// volatile read, so a call to a healthy upstream does not pay for reading the clock that
    /// <see cref="IsUnavailable"/> needs.
    /// </summary>
    public bool MayReject => _mayReject;

    public MaintenanceWindow? Maintenance => _maintenance;

    /// <summary>
    /// Whether a call made now must not be tried: isolated, in maintenance, or known to be refused by circuits on every
    /// way the app calls the upstream.
    /// </summary>
    /// <remarks>
    /// Failing fast must never refuse what the endpoint could have served, so circuits count only when they settle it:
    /// every client of the upstream must have a pipeline whose every instance (one per authority, for a pipeline
    /// selected per authority) rejects calls. A client no breaker has reported on, or one authority's circuit among
    /// several, is not enough.
    /// </remarks>
    /// <param name="now">The current time.</param>
    /// <param name="retryAfter">The time left: the earliest end of a break, or of the maintenance; null when unknown.</param>
    /// <param name="maintenance">The maintenance window when that is the reason.</param>
    public bool IsUnavailable(DateTimeOffset now, out TimeSpan? retryAfter, out MaintenanceWindow? maintenance)
    {
        retryAfter = null;
        maintenance = null;
        if (!_mayReject)
        {
            return false;
        }

        if (_maintenance is { } window && window.IsActive(now))
        {
            maintenance = window;
            retryAfter = window.Until - now;
            return true;
        }

        if (_isolated)
        {
            return true;
        }

        var circuits = Volatile.Read(ref _circuits);
        if (_clients.Length == 0 || circuits.Length == 0)
        {
            return false;
        }

        TimeSpan? soonest = null;
        foreach (var client in _clients)
        {
            if (!ClientRejects(circuits, client, now, ref soonest))
            {
                return false;
            }
        }

        retryAfter = soonest;
        return true;
    }

    /// <summary>The upstream as a call made now would find it: every part, and the whole derived from them.</summary>
    public UpstreamCircuitView Read(DateTimeOffset now)
    {
        var circuits = Volatile.Read(ref _circuits);
        var parts = new List<CircuitView>(circuits.Length + _clients.Length);
        foreach (var circuit in circuits)
        {
            parts.Add(new CircuitView(circuit.Client, circuit.Pipeline, circuit.Authority, circuit.StateAt(now, out var breakLeft), breakLeft));
        }

        foreach (var client in _clients)
        {
            if (!Array.Exists(circuits, c => c.Client == client))
            {
                parts.Add(new CircuitView(client, Pipeline: null, Authority: null, CircuitState.Closed, RetryAfter: null));
            }
        }

        // The same test the fail-fast path makes, so the whole says "open" exactly when calls are refused; without an
        // end in sight (isolation, maintenance without Until, breakers isolated by the app) it says "isolated".
        CircuitState state;
        if (IsUnavailable(now, out var retryAfter, out var maintenance))
        {
            state = _isolated || maintenance is not null || retryAfter is null ? CircuitState.Isolated : CircuitState.Open;
        }
        else
        {
            state = parts.Exists(static p => p.State != CircuitState.Closed) ? CircuitState.HalfOpen : CircuitState.Closed;
        }

        return new UpstreamCircuitView(state, retryAfter, _isolated, maintenance, parts);
    }

    public ObservedCircuit GetOrAddCircuit(string client, string pipeline, string? authority)
    {
        var key = string.IsNullOrEmpty(authority) ? null : authority;
        foreach (var circuit in Volatile.Read(ref _circuits))
        {
            if (circuit.Authority == key && circuit.Pipeline == pipeline)
            {
                return circuit;
            }
        }

        lock (_lock)
        {
            foreach (var circuit in _circuits)
            {
                if (circuit.Authority == key && circuit.Pipeline == pipeline)
                {
                    return circuit;
                }
            }

            var added = new ObservedCircuit(client, pipeline, authority);
            Volatile.Write(ref _circuits, [.. _circuits, added]);
            return added;
        }
    }

    public void SetIsolated(bool isolated)
    {
        _isolated = isolated;
        Refresh();
    }

    public void SetMaintenance(MaintenanceWindow? maintenance)
    {
        _maintenance = maintenance;
        Refresh();
    }

    /// <summary>Recomputes the fast-path flag after any change.</summary>
    public void Refresh()
        => _mayReject = _isolated || _maintenance is not null
            || Volatile.Read(ref _circuits).Any(static c => c.State is CircuitState.Open or CircuitState.Isolated);

    /// <summary>Whether some pipeline of <paramref name="client"/> rejects calls on every instance it has.</summary>
    private static bool ClientRejects(ObservedCircuit[] circuits, string client, DateTimeOffset now, ref TimeSpan? soonest)
    {
        // Tiny arrays (one circuit per pipeline and authority) and only while something is open: loops, no allocation.
        for (var i = 0; i < circuits.Length; i++)
        {
            var pipeline = circuits[i];
            if (pipeline.Client != client || !IsFirstOfPipeline(circuits, i))
            {
                continue;
            }

            var rejects = true;
            TimeSpan? pipelineSoonest = null;
            for (var j = i; j < circuits.Length && rejects; j++)
            {
                if (circuits[j].Pipeline != pipeline.Pipeline)
                {
                    continue;
                }

                rejects = circuits[j].IsRejecting(now, out var wait);
                if (wait is { } remaining && (pipelineSoonest is null || remaining < pipelineSoonest))
                {
                    pipelineSoonest = remaining;
                }
            }

            if (rejects)
            {
                if (pipelineSoonest is { } found && (soonest is null || found < soonest))
                {
                    soonest = found;
                }

                return true;
            }
        }

        return false;
    }

    private static bool IsFirstOfPipeline(ObservedCircuit[] circuits, int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (circuits[i].Pipeline == circuits[index].Pipeline)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Maintenance as configured under <c>GatewayErrors:Upstreams:&lt;name&gt;:Maintenance</c>, while <c>Enabled</c>.</summary>
internal sealed record MaintenanceWindow(DateTimeOffset? Until, string? Message)
{
    /// <summary>Gets the message as the notice every body shows (built once per configuration), or null without one.</summary>
    public ErrorNotice? Notice { get; } = string.IsNullOrWhiteSpace(Message)
        ? null
        : new ErrorNotice(ErrorNotice.WithoutControlCharacters(Message.Trim()), Since: null, Url: null);

    public bool IsActive(DateTimeOffset now) => Until is not { } until || now < until;
}
