using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Telemetry;

namespace GatewayErrors;

/// <summary>
/// The availability of every upstream, for the life of the app: the circuits that the app's resilience pipelines
/// report through Polly's telemetry, isolation through <see cref="IGatewayUpstreamCircuits"/>, and maintenance from
/// configuration.
/// </summary>
/// <remarks>
/// GatewayErrors builds no pipeline: Microsoft.Extensions.Http.Resilience names each one <c>&lt;client&gt;-&lt;pipeline&gt;</c>
/// (<c>catalog-standard</c>, <c>catalog-standard-hedging-endpoint</c>, <c>catalog-my-pipeline</c>), so a pipeline belongs
/// to the client whose name, followed by a dash, starts the pipeline's name; the client's <c>AddGatewayErrorsHandler()</c>
/// says which upstream that is. Each circuit is kept apart by pipeline, instance (the authority) and strategy: two
/// clients, two authorities or two breakers in one pipeline never share an entry.
/// </remarks>
internal sealed class UpstreamCircuits : IGatewayUpstreamCircuits, IDisposable
{
    private readonly ConcurrentDictionary<string, UpstreamStatus> _upstreams = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, GatewayUpstreamRegistration?> _pipelineClients = new(StringComparer.Ordinal);
    private readonly GatewayUpstreamRegistration[] _clients;
    private readonly TimeProvider _timeProvider;
    private readonly GatewayErrorsMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IDisposable? _reload;

    public UpstreamCircuits(IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider, GatewayErrorsMetrics metrics,
        ILogger<UpstreamCircuits> logger, IEnumerable<GatewayUpstreamRegistration> clients)
    {
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;

        // Longest client name first, so that "catalog-admin-standard" belongs to "catalog-admin", not to "catalog".
        _clients = [.. clients.DistinctBy(static c => c.ClientName, StringComparer.Ordinal).OrderByDescending(static c => c.ClientName.Length)];
        ApplyMaintenance(options.CurrentValue);
        _reload = options.OnChange(ApplyMaintenance);
    }

    public TimeProvider TimeProvider => _timeProvider;

    /// <summary>Gets every upstream with any state so far.</summary>
    public IEnumerable<UpstreamStatus> Upstreams => _upstreams.Values;

    public UpstreamStatus Get(string upstream) => _upstreams.GetOrAdd(upstream, static (name, clients) => new UpstreamStatus(
        name,
        [.. clients.Where(c => string.Equals(c.Upstream, name, StringComparison.OrdinalIgnoreCase)).Select(static c => c.ClientName)]), _clients);

    public bool TryGet(string upstream, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out UpstreamStatus? status)
        => _upstreams.TryGetValue(upstream, out status);

    public CircuitState GetState(string upstream)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upstream);
        return TryGet(upstream, out var status) ? status.Read(_timeProvider.GetUtcNow()).State : CircuitState.Closed;
    }

    public ValueTask IsolateAsync(string upstream, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upstream);
        var status = Get(upstream);
        if (!status.Isolated)
        {
            status.SetIsolated(true);
            Log.CircuitIsolated(_logger, status.Name);
            _metrics.RecordCircuitState(status.Name, CircuitStateNames.Isolated);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CloseAsync(string upstream, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upstream);
        if (TryGet(upstream, out var status) && status.Isolated)
        {
            status.SetIsolated(false);
            Log.CircuitClosed(_logger, status.Name);
            _metrics.RecordCircuitState(status.Name, CircuitStateNames.Closed);
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose() => _reload?.Dispose();

    internal void OnOpened(ResilienceTelemetrySource source, TimeSpan breakDuration, bool isManual)
    {
        if (Find(source) is not { } found)
        {
            return;
        }

        var (status, circuit) = found;
        circuit.Opened(BreakEnd(_timeProvider.GetUtcNow(), breakDuration), isManual);
        status.Refresh();
        if (isManual)
        {
            Log.CircuitIsolated(_logger, status.Name);
            _metrics.RecordCircuitState(status.Name, CircuitStateNames.Isolated);
        }
        else
        {
            Log.CircuitOpened(_logger, status.Name, breakDuration.TotalSeconds);
            _metrics.RecordCircuitState(status.Name, CircuitStateNames.Open);
        }
    }

    internal void OnHalfOpened(ResilienceTelemetrySource source)
    {
        if (Find(source) is ({ } status, { } circuit))
        {
            circuit.HalfOpened();
            status.Refresh();
            Log.CircuitHalfOpened(_logger, status.Name);
            _metrics.RecordCircuitState(status.Name, CircuitStateNames.HalfOpen);
        }
    }

    internal void OnClosed(ResilienceTelemetrySource source)
    {
        if (Find(source) is ({ } status, { } circuit))
        {
            circuit.Closed();
            status.Refresh();
            Log.CircuitClosed(_logger, status.Name);
            _metrics.RecordCircuitState(status.Name, CircuitStateNames.Closed);
        }
    }

    /// <summary>
    /// Notes an instance of a pipeline selected per authority as it carries a call, so that one authority's open circuit
    /// is never taken for the whole upstream's while another authority has not reported anything.
    /// </summary>
    internal void OnInstanceExecuting(ResilienceTelemetrySource source) => Find(source);

    /// <summary>The client (and so the upstream) that owns a pipeline, or null for a pipeline of no client with the handler.</summary>
    internal GatewayUpstreamRegistration? ClientOf(string pipeline)
        => _pipelineClients.GetOrAdd(pipeline, static (name, clients) =>
        {
            foreach (var client in clients)
            {
                if (name.Length > client.ClientName.Length && name[client.ClientName.Length] == '-'
                    && name.StartsWith(client.ClientName, StringComparison.Ordinal))
                {
                    return client;
                }
            }

            return null;
        }, _clients);

    private (UpstreamStatus Status, ObservedCircuit Circuit)? Find(ResilienceTelemetrySource source)
    {
        if (source.PipelineName is not { } pipeline || ClientOf(pipeline) is not { } client)
        {
            return null;
        }

        var status = Get(client.Upstream);
        return (status, status.GetOrAddCircuit(client.ClientName, pipeline, source.PipelineInstanceName));
    }

    /// <summary>
    /// When a break ends. Polly reports a manual isolation as a break of <see cref="TimeSpan.MaxValue"/> (and a break
    /// duration generator may return anything), which no date can hold: such a break never ends. A telemetry listener
    /// that threw here would throw out of the app's own <c>CircuitBreakerManualControl.IsolateAsync()</c>.
    /// </summary>
    private static DateTimeOffset BreakEnd(DateTimeOffset now, TimeSpan breakDuration)
        => breakDuration >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + breakDuration;

    private void ApplyMaintenance(GatewayErrorsOptions options)
    {
        foreach (var (name, settings) in options.Upstreams)
        {
            if (settings?.Maintenance is { Enabled: true } maintenance)
            {
                Get(name).SetMaintenance(new MaintenanceWindow(maintenance.Until, maintenance.Message));
            }
        }

        foreach (var status in _upstreams.Values)
        {
            if (status.Maintenance is not null && !(UpstreamSettings.For(options, status.Name).Maintenance is { Enabled: true }))
            {
                status.SetMaintenance(null);
            }
        }
    }
}
