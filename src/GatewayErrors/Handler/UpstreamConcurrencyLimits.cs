using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace GatewayErrors;

/// <summary>
/// One <see cref="ConcurrencyLimiter"/> per upstream, shared by every handler instance the client factory creates
/// for it (handlers are recycled every few minutes; the limit must outlive them).
/// </summary>
internal sealed class UpstreamConcurrencyLimits : IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _limiters = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the limiter for an upstream, replacing it when the configured limit changed.</summary>
    public ConcurrencyLimiter Get(string upstream, int permits)
    {
        var entry = _limiters.AddOrUpdate(
            upstream,
            static (_, permits) => new Entry(permits),
            static (_, existing, permits) => existing.Permits == permits ? existing : new Entry(permits),
            permits);
        return entry.Limiter;
    }

    public void Dispose()
    {
        foreach (var entry in _limiters.Values)
        {
            entry.Limiter.Dispose();
        }
    }

    private sealed class Entry(int permits)
    {
        public int Permits { get; } = permits;

        // No queue: a call over the limit is answered at once rather than held while the upstream is struggling.
        public ConcurrencyLimiter Limiter { get; } = new(new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 });
    }
}
