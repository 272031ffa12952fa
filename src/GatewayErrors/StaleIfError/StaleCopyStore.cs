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

    private readonly ServiceProvider _provider;
    private readonly HybridCache _cache;
    private readonly ILogger _logger;

    public StaleCopyStore(IServiceProvider services, IOptions<GatewayErrorsOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        var settings = options.Value.StaleIfError;
        _logger = loggerFactory.CreateLogger<StaleCopyStore>();

        var own = new ServiceCollection();
        own.AddSingleton(timeProvider);
        own.AddSingleton(loggerFactory);
        own.AddMemoryCache(memory => memory.SizeLimit = settings.MaxMemoryBytes);

        // An in-process IDistributedCache (AddDistributedMemoryCache) would only hold a second copy in the same memory.
        if (services.GetService<IDistributedCache>() is { } shared && shared is not MemoryDistributedCache)
        {
            own.AddSingleton<IDistributedCache>(new GuardedDistributedCache(shared, settings.CacheTimeout, timeProvider, _logger));
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
            Log.StaleCopyUnreadable(_logger, exception.GetType().Name, exception.Message);
            return null;
        }
    }

    /// <summary>Peeks at memory only, synchronously when the copy is there; used where a shared-cache round trip is not worth it.</summary>
    public ValueTask<StaleCopy?> GetAsync(string key, bool memoryOnly)
        => memoryOnly ? _cache.GetOrCreateAsync<StaleCopy?>(key, static _ => default, MemoryOnlyReadOptions) : GetAsync(key);

    private static readonly HybridCacheEntryOptions MemoryOnlyReadOptions = new()
    {
        Flags = HybridCacheEntryFlags.DisableUnderlyingData | HybridCacheEntryFlags.DisableDistributedCache,
    };

    /// <summary>Keeps <paramref name="copy"/> under <paramref name="key"/> for <paramref name="lifetime"/>, in the background.</summary>
    public void Keep(string key, StaleCopy copy, TimeSpan lifetime)
    {
        var entry = new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime };
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Store.WriteAsync(state.Key, state.Copy, state.Entry),
            (Store: this, Key: key, Copy: copy, Entry: entry), preferLocal: false);
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
}
