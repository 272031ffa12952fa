using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
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
/// cut short) is told apart from a copy before anything parses it. With a signing key
/// (<see cref="GatewayStaleIfErrorOptions.SigningKey"/>) the checksum is an HMAC-SHA256 over the cache key and the value
/// instead: a value written without the key, or moved to another key, is rejected before anything parses it. Without
/// one, whoever can write to the cache can write a valid copy; that is why the docs say the cache must then be trusted.</para>
/// </remarks>
internal sealed class GuardedDistributedCache : IDistributedCache
{
    public static readonly TimeSpan Backoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan SummaryWindow = TimeSpan.FromSeconds(10);

    /// <summary>The fewest bytes a signing key may have: as many as the HMAC-SHA256 output.</summary>
    public const int MinKeyBytes = HMACSHA256.HashSizeInBytes;

    private const uint Magic = 0x47455332; // "GES2": checksummed
    private const int HeaderLength = 12;
    private const uint SignedMagic = 0x47455333; // "GES3": HMAC-SHA256 over key and value
    private const int SignedHeaderLength = 8 + HMACSHA256.HashSizeInBytes;

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
    private readonly byte[]? _signingKey;
    private readonly byte[]? _previousSigningKey;
    private readonly RepeatCounter _foreign;
    private readonly RepeatCounter _forged;

    public GuardedDistributedCache(IDistributedCache inner, TimeSpan timeout, TimeProvider timeProvider, ILogger logger,
        byte[]? signingKey = null, byte[]? previousSigningKey = null)
    {
        _inner = inner;
        _timeout = timeout;
        _timeProvider = timeProvider;
        _logger = logger;
        _signingKey = signingKey;
        _previousSigningKey = signingKey is null ? null : previousSigningKey;
        _foreign = new RepeatCounter(timeProvider, SummaryWindow);
        _forged = new RepeatCounter(timeProvider, SummaryWindow);
    }

    /// <summary>The bytes of a signing key from configuration; null unless it is base64 of at least <see cref="MinKeyBytes"/> bytes.</summary>
    public static byte[]? DecodeKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        var bytes = new byte[(base64.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(base64.Trim(), bytes, out var length) && length >= MinKeyBytes ? bytes[..length] : null;
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
        return framed is null ? null : Unframe(key, framed);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        try
        {
            await _inner.SetAsync(key, _signingKey is { } signingKey ? Sign(signingKey, key, value) : Frame(value), options, token).WaitAsync(WriteTimeout, _timeProvider, token).ConfigureAwait(false);
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

    /// <summary>Frames <paramref name="value"/> for <paramref name="key"/>: magic, length, then HMAC-SHA256 over both.</summary>
    internal static byte[] Sign(byte[] signingKey, string key, byte[] value)
    {
        var framed = new byte[SignedHeaderLength + value.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(framed, SignedMagic);
        BinaryPrimitives.WriteInt32LittleEndian(framed.AsSpan(4), value.Length);
        Mac(signingKey, key, value, framed.AsSpan(8, HMACSHA256.HashSizeInBytes));
        value.CopyTo(framed, SignedHeaderLength);
        return framed;
    }

    private byte[]? Unframe(string key, byte[] framed)
    {
        var magic = framed.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(framed) : 0;
        if (_signingKey is { } signingKey)
        {
            if (magic == SignedMagic && framed.Length >= SignedHeaderLength
                && BinaryPrimitives.ReadInt32LittleEndian(framed.AsSpan(4)) == framed.Length - SignedHeaderLength
                && (Verifies(signingKey, key, framed) || (_previousSigningKey is { } previous && Verifies(previous, key, framed))))
            {
                return framed.AsSpan(SignedHeaderLength).ToArray();
            }

            // Unsigned, signed with another key, or signed for another key: nothing from it is read.
            if (_forged.ShouldLog(out var forged))
            {
                Log.StaleCacheSignatureRejected(_logger, framed.Length, forged);
            }

            return null;
        }

        if (magic == Magic && framed.Length >= HeaderLength
            && BinaryPrimitives.ReadInt32LittleEndian(framed.AsSpan(4)) == framed.Length - HeaderLength
            && BinaryPrimitives.ReadUInt32LittleEndian(framed.AsSpan(8)) == Checksum(framed.AsSpan(HeaderLength)))
        {
            return framed.AsSpan(HeaderLength).ToArray();
        }

        // Something else wrote under our key (a signed copy included: this instance has no key to check it), or the value
        // was cut: a miss, logged once per window.
        if (_foreign.ShouldLog(out var foreign))
        {
            Log.StaleCacheDataRejected(_logger, framed.Length, foreign);
        }

        return null;
    }

    private static bool Verifies(byte[] signingKey, string key, byte[] framed)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Mac(signingKey, key, framed.AsSpan(SignedHeaderLength), expected);
        return CryptographicOperations.FixedTimeEquals(expected, framed.AsSpan(8, HMACSHA256.HashSizeInBytes));
    }

    // The cache key is inside the MAC, length-prefixed, so a valid value cannot be moved to another key (another URL),
    // and no split of key and value bytes can be mistaken for another.
    private static void Mac(byte[] signingKey, string key, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, signingKey);
        var keyBytes = Encoding.UTF8.GetBytes(key);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, keyBytes.Length);
        hmac.AppendData(length);
        hmac.AppendData(keyBytes);
        hmac.AppendData(value);
        hmac.GetHashAndReset(destination);
    }

    // FNV-1a: not a defence against someone who can write to the cache (they could write a valid copy; that is what the
    // signing key is for), only a way to tell bytes that are not ours, or not all there, from a copy.
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
