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
    private ObservedCircuit[] _circuits = [];
    private volatile bool _isolated;
    private volatile MaintenanceWindow? _maintenance;
    private volatile bool _mayReject;

    public UpstreamStatus(string name) => Name = name;

    public string Name { get; }

    public IReadOnlyList<ObservedCircuit> Circuits => Volatile.Read(ref _circuits);

    public bool Isolated => _isolated;

    public MaintenanceWindow? Maintenance => _maintenance;

    /// <summary>
    /// Whether a call made now must not be tried: isolated, in maintenance, or every circuit known for the upstream
    /// rejects calls. With several circuits (one per authority, or per client) one open circuit is not enough: the
    /// call may well go to another, and failing fast must never refuse what the endpoint could have served.
    /// </summary>
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
        if (circuits.Length == 0)
        {
            return false;
        }

        TimeSpan? soonest = null;
        foreach (var circuit in circuits)
        {
            if (!circuit.IsRejecting(now, out var wait))
            {
                return false;
            }

            if (wait is { } remaining && (soonest is null || remaining < soonest))
            {
                soonest = remaining;
            }
        }

        retryAfter = soonest;
        return true;
    }

    /// <summary>The state to show for the upstream as a whole; see <see cref="IGatewayUpstreamCircuits.GetState"/>.</summary>
    public CircuitState GetState(DateTimeOffset now)
    {
        if (_isolated || (_maintenance?.IsActive(now) ?? false))
        {
            return CircuitState.Isolated;
        }

        var circuits = Volatile.Read(ref _circuits);
        if (circuits.Length == 0)
        {
            return CircuitState.Closed;
        }

        if (IsUnavailable(now, out _, out _))
        {
            return circuits.All(static c => c.State == CircuitState.Isolated) ? CircuitState.Isolated : CircuitState.Open;
        }

        // Some calls go through (a trial after the break, or another authority's circuit): partly available.
        return circuits.Any(static c => c.State != CircuitState.Closed) ? CircuitState.HalfOpen : CircuitState.Closed;
    }

    public ObservedCircuit GetOrAddCircuit(string pipeline, string? authority, string? strategy)
    {
        var key = string.IsNullOrEmpty(authority) ? null : authority;
        foreach (var circuit in Volatile.Read(ref _circuits))
        {
            if (circuit.Pipeline == pipeline && circuit.Authority == key && circuit.Strategy == strategy)
            {
                return circuit;
            }
        }

        lock (_lock)
        {
            foreach (var circuit in _circuits)
            {
                if (circuit.Pipeline == pipeline && circuit.Authority == key && circuit.Strategy == strategy)
                {
                    return circuit;
                }
            }

            var added = new ObservedCircuit(pipeline, authority, strategy);
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
}

/// <summary>Maintenance as configured under <c>GatewayErrors:Upstreams:&lt;name&gt;:Maintenance</c>, while <c>Enabled</c>.</summary>
internal sealed record MaintenanceWindow(DateTimeOffset? Until, string? Message)
{
    public bool IsActive(DateTimeOffset now) => Until is not { } until || now < until;
}
