using System.Buffers.Binary;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace GatewayErrors;

/// <summary>
/// The app's <see cref="IDistributedCache"/> (Redis, for example) as the stale copies' second level, made unable to
/// hurt a request: every call is bounded by a timeout, a failure reads as a miss, and bytes that this class did not
/// write are rejected.
/// </summary>
/// <remarks>
/// <para>HybridCache logs every failed or rejected L2 read as an error with its exception; during a Redis outage that
/// is one stack trace per failing request. Here a failure is logged once, repeats are counted into one summary per
/// window, and for <see cref="Backoff"/> after a failure reads do not ask the cache at all, so an outage of the cache
/// costs nothing per request. Writes run in the background (never on a request's path) with a longer deadline, and are
/// always tried: a slow first connection must not cost the copies written while it was being made.</para>
/// <para>Each value is framed with a magic number, its length and a checksum, so a value written by something else (or
/// cut short) is told apart from a copy before anything parses it.</para>
/// </remarks>
internal sealed class GuardedDistributedCache : IDistributedCache
{
    public static readonly TimeSpan Backoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SummaryWindow = TimeSpan.FromSeconds(10);

    private const uint Magic = 0x47455332; // "GES2"
    private const int HeaderLength = 12;

    private readonly IDistributedCache _inner;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private long _skipUntil;
    private bool _failing;
    private long _failingSince;
    private long _lastLogged;
    private long _failures;
    private long _rejectedLastLogged = long.MinValue;
    private long _rejected;

    public GuardedDistributedCache(IDistributedCache inner, TimeSpan timeout, TimeProvider timeProvider, ILogger logger)
    {
        _inner = inner;
        _timeout = timeout;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        if (Skipping())
        {
            return null;
        }

        byte[]? framed;
        try
        {
            framed = await _inner.GetAsync(key, token).WaitAsync(_timeout, _timeProvider, token).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Failed("read", exception);
            return null;
        }

        Answered();
        return framed is null ? null : Unframe(framed);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        try
        {
            await _inner.SetAsync(key, Frame(value), options, token).WaitAsync(WriteTimeout, _timeProvider, token).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Failed("write", exception);
            return;
        }

        Answered();
    }

    // Copies are not refreshed through the distributed cache (they are rewritten), and removal is not used.
    public void Refresh(string key)
    {
    }

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        if (Skipping())
        {
            return;
        }

        try
        {
            await _inner.RemoveAsync(key, token).WaitAsync(WriteTimeout, _timeProvider, token).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Failed("remove", exception);
        }
    }

    internal static byte[] Frame(byte[] value)
    {
        var framed = new byte[HeaderLength + value.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(framed, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(framed.AsSpan(4), value.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(framed.AsSpan(8), Checksum(value));
        value.CopyTo(framed, HeaderLength);
        return framed;
    }

    private byte[]? Unframe(byte[] framed)
    {
        if (framed.Length >= HeaderLength
            && BinaryPrimitives.ReadUInt32LittleEndian(framed) == Magic
            && BinaryPrimitives.ReadInt32LittleEndian(framed.AsSpan(4)) == framed.Length - HeaderLength
            && BinaryPrimitives.ReadUInt32LittleEndian(framed.AsSpan(8)) == Checksum(framed.AsSpan(HeaderLength)))
        {
            return framed.AsSpan(HeaderLength).ToArray();
        }

        // Something else wrote under our key, or the value was cut: a miss, logged once per window.
        long count;
        lock (_gate)
        {
            _rejected++;
            var now = _timeProvider.GetTimestamp();
            if (_rejectedLastLogged != long.MinValue && _timeProvider.GetElapsedTime(_rejectedLastLogged, now) < SummaryWindow)
            {
                return null;
            }

            _rejectedLastLogged = now;
            count = _rejected;
            _rejected = 0;
        }

        Log.StaleCacheDataRejected(_logger, framed.Length, count);
        return null;
    }

    // FNV-1a: not a defence against someone who can write to the cache (they could write a valid copy), only a way
    // to tell bytes that are not ours, or not all there, from a copy.
    private static uint Checksum(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    private bool Skipping() => Volatile.Read(ref _skipUntil) is var until && until != 0 && _timeProvider.GetTimestamp() < until;

    private void Failed(string operation, Exception exception)
    {
        var now = _timeProvider.GetTimestamp();
        Volatile.Write(ref _skipUntil, now + (long)(Backoff.TotalSeconds * _timeProvider.TimestampFrequency));
        bool first;
        long repeats = 0;
        lock (_gate)
        {
            first = !_failing;
            if (first)
            {
                _failing = true;
                _failingSince = now;
                _lastLogged = now;
                _failures = 0;
            }
            else
            {
                _failures++;
                if (_timeProvider.GetElapsedTime(_lastLogged, now) < SummaryWindow)
                {
                    return;
                }

                repeats = _failures;
                _failures = 0;
                _lastLogged = now;
            }
        }

        var cause = exception is TimeoutException ? "no answer in time" : $"{exception.GetType().Name}: {exception.Message}";
        if (first)
        {
            Log.StaleCacheFailed(_logger, operation, cause, Backoff.TotalSeconds);
        }
        else
        {
            Log.StaleCacheStillFailing(_logger, repeats, SummaryWindow.TotalSeconds, cause);
        }
    }

    private void Answered()
    {
        if (!Volatile.Read(ref _failing))
        {
            return;
        }

        long repeats;
        double seconds;
        lock (_gate)
        {
            if (!_failing)
            {
                return;
            }

            _failing = false;
            repeats = _failures;
            seconds = _timeProvider.GetElapsedTime(_failingSince).TotalSeconds;
            _failures = 0;
            _skipUntil = 0;
        }

        Log.StaleCacheRecovered(_logger, Math.Round(seconds, 1), repeats);
    }
}
