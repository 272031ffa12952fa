using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Decides whether the response to a request for a key should be captured now: only once its URL has been asked for
/// <see cref="GatewayStaleIfErrorOptions.MinUses"/> times (nginx's <c>proxy_cache_min_uses</c>), and at most once per
/// <see cref="GatewayStaleIfErrorOptions.RefreshInterval"/> per key.
/// </summary>
/// <remarks>
/// <para>Everything here is bounded whatever the traffic, and a flood of distinct URLs cannot cheaply push out what the
/// app's real pages earned:</para>
/// <list type="bullet">
/// <item>Uses are counted in a count-min sketch (<see cref="Rows"/> rows of <see cref="Width"/> one-byte counters,
/// 256 KiB in all, fixed), indexed by the process's randomised string hash, so an attacker cannot aim at a key's
/// counters. A collision can only make a count too high (a URL kept a little early), never too low. A flood does not
/// remove anything; it only brings the next halving of all counters (every <see cref="SampleSize"/> uses) sooner, so
/// that a URL must be asked for again within a while to count, which costs a flood half a million requests per halving.</item>
/// <item>The keys captured within the last refresh interval are remembered per route (at most
/// <see cref="MaxTrackedPerRoute"/>); older ones throttle nothing and are swept. A route flooded with more admitted
/// URLs per interval than that captures no new URL until some age out, but keeps refreshing the ones it has, and other
/// routes are not affected.</item>
/// </list>
/// </remarks>
internal sealed class KeepAdmission
{
    internal const int Width = 1 << 16;
    internal const int Rows = 4;
    internal const int MaxTrackedPerRoute = 10_000;
    internal const int SampleSize = Width * 8;

    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, RouteCaptures> _routes = new(StringComparer.Ordinal);
    private byte[]? _sketch;
    private int _uses;

    public KeepAdmission(IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider)
    {
        _options = options;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// Whether the response for <paramref name="key"/> (a variant key of an eligible GET on route
    /// <paramref name="routeName"/>) is to be captured by the request arriving at <paramref name="timestamp"/>
    /// (<see cref="TimeProvider.GetTimestamp"/>). True claims the capture: concurrent requests for the key get false.
    /// Call <see cref="CaptureAbandoned"/> when the capture did not produce a copy.
    /// </summary>
    public bool ShouldCapture(string routeName, string key, long timestamp)
    {
        var settings = _options.CurrentValue.StaleIfError;
        var interval = settings.RefreshInterval;
        var captures = _routes.GetOrAdd(routeName, static _ => new RouteCaptures());
        if (captures.Last.TryGetValue(key, out var last))
        {
            // Captured before (so admitted): the refresh interval decides.
            return (interval <= TimeSpan.Zero || _timeProvider.GetElapsedTime(last, timestamp) >= interval)
                && captures.Last.TryUpdate(key, timestamp, last);
        }

        if (settings.MinUses > 1 && CountUse(key) < settings.MinUses)
        {
            return false;
        }

        if (Volatile.Read(ref captures.Count) >= MaxTrackedPerRoute && !captures.Sweep(_timeProvider, timestamp, interval))
        {
            return false;
        }

        if (!captures.Last.TryAdd(key, timestamp))
        {
            return false;
        }

        Interlocked.Increment(ref captures.Count);
        return true;
    }

    /// <summary>The capture <see cref="ShouldCapture"/> allowed for <paramref name="key"/> kept nothing: the next success tries again.</summary>
    public void CaptureAbandoned(string key)
    {
        foreach (var (_, captures) in _routes)
        {
            if (captures.Last.TryRemove(key, out _))
            {
                Interlocked.Decrement(ref captures.Count);
            }
        }
    }

    /// <summary>Counts a use of <paramref name="key"/> and returns its estimated uses so far, this one included (at most 255).</summary>
    private int CountUse(string key)
    {
        // Allocated on the first use that needs it: an app with MinUses = 1, or no opted-in traffic, never pays for it.
        var sketch = Volatile.Read(ref _sketch) ?? Interlocked.CompareExchange(ref _sketch, new byte[Rows * Width], null) ?? _sketch!;
        var hash = (uint)key.GetHashCode(StringComparison.Ordinal);
        var at = (int)(hash & (Width - 1));
        var step = (int)((hash >> 16) | 1);
        Span<int> slots = stackalloc int[Rows];
        var estimate = int.MaxValue;
        for (var row = 0; row < Rows; row++)
        {
            slots[row] = (row * Width) + ((at + (row * step)) & (Width - 1));
            estimate = Math.Min(estimate, sketch[slots[row]]);
        }

        // Conservative update: only the smallest counters grow, which keeps collisions from inflating other keys.
        // Increments are not atomic: two racing uses may count as one, which only delays a keep by one request.
        if (estimate < byte.MaxValue)
        {
            estimate++;
            foreach (var slot in slots)
            {
                if (sketch[slot] < estimate)
                {
                    sketch[slot] = (byte)estimate;
                }
            }
        }

        if (Interlocked.Increment(ref _uses) >= SampleSize && Interlocked.Exchange(ref _uses, 0) >= SampleSize)
        {
            // Ageing (as TinyLFU's reset): old counts fade, so a URL has to be asked for again to be kept.
            for (var i = 0; i < sketch.Length; i++)
            {
                sketch[i] >>= 1;
            }
        }

        return estimate;
    }

    private sealed class RouteCaptures
    {
        public readonly ConcurrentDictionary<string, long> Last = new(StringComparer.Ordinal);
        public int Count;
        private readonly object _sweepGate = new();
        private long _nextSweep = long.MinValue;

        /// <summary>Forgets keys captured longer than a refresh interval ago (they throttle nothing); true when there is room again.</summary>
        public bool Sweep(TimeProvider timeProvider, long now, TimeSpan interval)
        {
            // Under a flood the table stays full: look at most once a second, and never two threads at once.
            if (now < Volatile.Read(ref _nextSweep) || !Monitor.TryEnter(_sweepGate))
            {
                return false;
            }

            try
            {
                _nextSweep = now + timeProvider.TimestampFrequency;
                foreach (var (key, last) in Last)
                {
                    if (timeProvider.GetElapsedTime(last, now) >= interval && Last.TryRemove(new KeyValuePair<string, long>(key, last)))
                    {
                        Interlocked.Decrement(ref Count);
                    }
                }

                return Volatile.Read(ref Count) < MaxTrackedPerRoute;
            }
            finally
            {
                Monitor.Exit(_sweepGate);
            }
        }
    }
}
