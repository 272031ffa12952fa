using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Where kept copies live: HybridCache, with memory of this process as L1 and, when the app registered an
/// <see cref="IDistributedCache"/> (such as <c>AddStackExchangeRedisCache</c>), that cache as L2, so every instance
/// can serve a copy any instance kept.
/// </summary>
/// <remarks>
/// <para>The HybridCache is private to GatewayErrors, built over its own small service provider: its memory has its own
/// size limit (<see cref="GatewayStaleIfErrorOptions.MaxMemoryBytes"/>) instead of sharing the app's
/// <c>IMemoryCache</c>, its payload limit follows <see cref="GatewayStaleIfErrorOptions.MaxEntryBytes"/>, and its L2 is
/// the app's cache behind <see cref="GuardedDistributedCache"/>. The app's own HybridCache, if any, is left alone.</para>
/// <para>Reads never call a factory (there is nothing to fetch a stale copy from); writes run in the background, so a
/// success never waits for the cache.</para>
/// <para>Memory is bounded by <see cref="GatewayStaleIfErrorOptions.MaxMemoryBytes"/>. The shared cache has no such limit
/// of its own (and may hold the app's data too), so each route may have at most
/// <see cref="GatewayStaleIfErrorOptions.MaxSharedCopiesPerRoute"/> copies in it, written at most
/// <see cref="GatewayStaleIfErrorOptions.MaxSharedWritesPerSecond"/> times a second; past either, a copy is kept in
/// memory only. A URL already shared keeps its place: a flood of new URLs cannot push the copies of real pages out.</para>
/// </remarks>
internal sealed class StaleCopyStore : IDisposable
{
    // Headers and framing on top of the body limit.
    private const long HeaderAllowance = 128 * 1024;

    private static readonly HybridCacheEntryOptions ReadOptions = new()
    {
        // A miss must stay a miss: never call the factory, never cache the absence.
        Flags = HybridCacheEntryFlags.DisableUnderlyingData,
    };

    private static readonly HybridCacheEntryFlags MemoryOnly = HybridCacheEntryFlags.DisableDistributedCacheWrite;

    private readonly ServiceProvider _provider;
    private readonly HybridCache _cache;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly int _maxSharedCopies;
    private readonly int _maxSharedWritesPerSecond;
    private readonly RepeatCounter _unreadable;
    private readonly ConcurrentDictionary<string, SharedBudget> _budgets = new(StringComparer.Ordinal);

    public StaleCopyStore(IServiceProvider services, IOptions<GatewayErrorsOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        var settings = options.Value.StaleIfError;
        _logger = loggerFactory.CreateLogger<StaleCopyStore>();
        _timeProvider = timeProvider;
        _maxSharedCopies = settings.MaxSharedCopiesPerRoute;
        _maxSharedWritesPerSecond = settings.MaxSharedWritesPerSecond;

        // A hostile or mismatched shared cache can make every failing request meet an unreadable copy: one entry per window.
        _unreadable = new RepeatCounter(timeProvider, GuardedDistributedCache.SummaryWindow);

        var own = new ServiceCollection();
        own.AddSingleton(timeProvider);
        own.AddSingleton(loggerFactory);
        own.AddMemoryCache(memory => memory.SizeLimit = settings.MaxMemoryBytes);

        // An in-process IDistributedCache (AddDistributedMemoryCache) would only hold a second copy in the same memory.
        if (services.GetService<IDistributedCache>() is { } shared && shared is not MemoryDistributedCache)
        {
            own.AddSingleton<IDistributedCache>(new GuardedDistributedCache(shared, settings.CacheTimeout, timeProvider, _logger,
                GuardedDistributedCache.DecodeKey(settings.SigningKey), GuardedDistributedCache.DecodeKey(settings.PreviousSigningKey)));
            HasSharedCache = true;
        }

        own.AddHybridCache(hybrid =>
        {
            hybrid.MaximumPayloadBytes = settings.MaxEntryBytes + HeaderAllowance;
            hybrid.MaximumKeyLength = 2048;
            hybrid.DisableCompression = true;
        }).AddSerializer(StaleCopySerializer.Instance);

        _provider = own.BuildServiceProvider();
        _cache = _provider.GetRequiredService<HybridCache>();
    }

    /// <summary>True when copies are shared through the app's distributed cache.</summary>
    public bool HasSharedCache { get; }

    /// <summary>The copy under <paramref name="key"/>, from memory or the shared cache; null when there is none or it cannot be read.</summary>
    public async ValueTask<StaleCopy?> GetAsync(string key)
    {
        try
        {
            return await _cache.GetOrCreateAsync<StaleCopy?>(key, static _ => default, ReadOptions).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // A value that parses as a HybridCache payload but not as a copy (HybridCache rethrows deserialization
            // failures): a miss, not a failed request.
            if (_unreadable.ShouldLog(out var count))
            {
                Log.StaleCopyUnreadable(_logger, count, exception.GetType().Name, exception.Message);
            }

            return null;
        }
    }

    /// <summary>
    /// Keeps <paramref name="copy"/> under <paramref name="key"/> for <paramref name="lifetime"/>, in the background: in
    /// memory always, in the shared cache while <paramref name="routeName"/> is within its count and rate.
    /// </summary>
    public void Keep(string routeName, string key, StaleCopy copy, TimeSpan lifetime)
    {
        var entry = new HybridCacheEntryOptions
        {
            Expiration = lifetime,
            LocalCacheExpiration = lifetime,
            Flags = HasSharedCache && !MayShare(routeName, key, lifetime) ? MemoryOnly : null,
        };

        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Store.WriteAsync(state.Key, state.Copy, state.Entry),
            (Store: this, Key: key, Copy: copy, Entry: entry), preferLocal: false);
    }

    private bool MayShare(string routeName, string key, TimeSpan lifetime)
    {
        var budget = _budgets.GetOrAdd(routeName, static (_, store) => new SharedBudget(store._maxSharedCopies, store._maxSharedWritesPerSecond), this);
        var verdict = budget.TryWrite(key, _timeProvider.GetTimestamp(), _timeProvider.TimestampFrequency, lifetime);
        if (verdict == SharedBudget.Verdict.FirstTimeFull)
        {
            Log.StaleSharedCopiesFull(_logger, routeName, _maxSharedCopies);
        }

        return verdict == SharedBudget.Verdict.Write;
    }

    private async Task WriteAsync(string key, StaleCopy copy, HybridCacheEntryOptions entry)
    {
        try
        {
            await _cache.SetAsync(key, copy, entry).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The shared cache's own failures are handled by GuardedDistributedCache; this is HybridCache refusing the value.
            Log.StaleCopyNotStored(_logger, exception.GetType().Name, exception.Message);
        }
    }

    public void Dispose() => _provider.Dispose();

    /// <summary>
    /// One route's share of the shared cache: the keys this instance wrote there and when they expire (at most
    /// <c>maxCopies</c>), and a token bucket of <c>writesPerSecond</c> writes with a burst of one second.
    /// </summary>
    private sealed class SharedBudget(int maxCopies, int writesPerSecond)
    {
        public enum Verdict
        {
            Write,
            Refused,
            FirstTimeFull,
        }

        private readonly object _gate = new();
        private readonly Dictionary<string, long> _expiresAt = new(StringComparer.Ordinal);
        private double _tokens = writesPerSecond;
        private long _refilledAt;
        private long _nextSweep;
        private bool _fullLogged;

        public Verdict TryWrite(string key, long now, long frequency, TimeSpan lifetime)
        {
            lock (_gate)
            {
                if (_refilledAt != 0)
                {
                    _tokens = Math.Min(writesPerSecond, _tokens + ((now - _refilledAt) * (double)writesPerSecond / frequency));
                }

                _refilledAt = now;
                if (_tokens < 1)
                {
                    return Verdict.Refused;
                }

                if (!_expiresAt.ContainsKey(key) && _expiresAt.Count >= maxCopies)
                {
                    // Full: only copies that expired (in the shared cache too) make room. Looking for them costs a pass
                    // over the keys, so under a flood it is done at most once a second.
                    if (now >= _nextSweep)
                    {
                        _nextSweep = now + frequency;
                        foreach (var (kept, expires) in _expiresAt)
                        {
                            if (expires <= now)
                            {
                                _expiresAt.Remove(kept);
                            }
                        }
                    }

                    if (_expiresAt.Count >= maxCopies)
                    {
                        var first = !_fullLogged;
                        _fullLogged = true;
                        return first ? Verdict.FirstTimeFull : Verdict.Refused;
                    }
                }

                _tokens--;
                var until = now + (long)(lifetime.TotalSeconds * frequency);
                _expiresAt[key] = _expiresAt.TryGetValue(key, out var previous) && previous > until ? previous : until;
                return Verdict.Write;
            }
        }
    }
}
