using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace GatewayErrors;

/// <summary>
/// Holds one <see cref="UpstreamPipeline"/> per upstream name for the life of the app: every handler instance for
/// an upstream gets the same circuit, and different upstreams never share one.
/// </summary>
internal sealed class UpstreamResilience : IGatewayUpstreamCircuits
{
    private readonly ConcurrentDictionary<string, Lazy<UpstreamPipeline>> _pipelines = new(StringComparer.OrdinalIgnoreCase);
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly GatewayErrorsMetrics _metrics;
    private readonly ILogger _logger;

    public UpstreamResilience(IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider, GatewayErrorsMetrics metrics, ILogger<UpstreamResilience> logger)
    {
        _options = options;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
    }

    public IEnumerable<string> Upstreams => _pipelines.Keys;

    public UpstreamPipeline GetOrCreate(string upstream)
    {
        // Lazy: a circuit breaker accepts one state provider, so a pipeline must never be built twice for a name.
        return _pipelines.GetOrAdd(upstream, static (name, self) => new Lazy<UpstreamPipeline>(
            () => new UpstreamPipeline(name, self._options, self._timeProvider, self._metrics, self._logger)), this).Value;
    }

    public bool TryGet(string upstream, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out UpstreamPipeline? pipeline)
    {
        if (_pipelines.TryGetValue(upstream, out var lazy))
        {
            pipeline = lazy.Value;
            return true;
        }

        pipeline = null;
        return false;
    }

    public CircuitState GetState(string upstream)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upstream);
        return TryGet(upstream, out var pipeline) ? pipeline.State : CircuitState.Closed;
    }

    public ValueTask IsolateAsync(string upstream, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upstream);
        return GetOrCreate(upstream).IsolateAsync(cancellationToken);
    }

    public ValueTask CloseAsync(string upstream, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upstream);
        return GetOrCreate(upstream).CloseAsync(cancellationToken);
    }
}
