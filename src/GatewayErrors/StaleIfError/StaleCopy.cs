using System.ComponentModel;

namespace GatewayErrors;

/// <summary>
/// A kept response (status, headers, body and when it was kept), or, under a URL whose response varies, the list of
/// request headers it varies on (<see cref="IsVaryRules"/>), so the lookup knows which variant key to read.
/// </summary>
/// <remarks>
/// Immutable (and marked so) so that HybridCache hands out the same instance from memory instead of a copy per read.
/// </remarks>
[ImmutableObject(true)]
internal sealed class StaleCopy
{
    public StaleCopy(int statusCode, DateTimeOffset storedAt, TimeSpan? staleIfError, long freshnessSeconds, long initialAgeSeconds,
        KeyValuePair<string, string[]>[] headers, byte[] body)
    {
        StatusCode = statusCode;
        StoredAt = storedAt;
        StaleIfError = staleIfError;
        FreshnessSeconds = freshnessSeconds;
        InitialAgeSeconds = initialAgeSeconds;
        Headers = headers;
        Body = body;
        VaryHeaders = [];
    }

    private StaleCopy(string[] varyHeaders, DateTimeOffset storedAt)
    {
        StoredAt = storedAt;
        VaryHeaders = varyHeaders;
        Headers = [];
        Body = [];
        IsVaryRules = true;
    }

    public static StaleCopy ForVaryRules(string[] varyHeaders, DateTimeOffset storedAt) => new(varyHeaders, storedAt);

    public bool IsVaryRules { get; }

    public int StatusCode { get; }

    public DateTimeOffset StoredAt { get; }

    /// <summary>The response's own <c>Cache-Control: stale-if-error</c>, which can only shorten the window.</summary>
    public TimeSpan? StaleIfError { get; }

    /// <summary>The response's freshness lifetime (RFC 9111 section 4.2.1), for Cache-Status <c>ttl</c>.</summary>
    public long FreshnessSeconds { get; }

    /// <summary>The <c>Age</c> the response already had when it was kept (it came through another cache).</summary>
    public long InitialAgeSeconds { get; }

    /// <summary>Lower-case request header names, sorted; only for <see cref="IsVaryRules"/>.</summary>
    public string[] VaryHeaders { get; }

    public KeyValuePair<string, string[]>[] Headers { get; }

    public byte[] Body { get; }

    // RFC 8941 section 3.3.1: a structured-field integer has at most 15 digits.
    private const long MaxFieldInteger = 999_999_999_999_999;

    /// <summary>The response's age at <paramref name="now"/> in whole seconds (RFC 9111 section 4.2.3), never negative.</summary>
    public long AgeSeconds(DateTimeOffset now)
        => Math.Clamp(Math.Clamp(InitialAgeSeconds, 0, MaxFieldInteger) + Math.Clamp((long)(now - StoredAt).TotalSeconds, 0, MaxFieldInteger), 0, MaxFieldInteger);

    /// <summary>Cache-Status <c>ttl</c> at <paramref name="now"/>: freshness left, negative once stale, a valid integer.</summary>
    public long TtlSeconds(DateTimeOffset now)
        => Math.Clamp(Math.Clamp(FreshnessSeconds, 0, MaxFieldInteger) - AgeSeconds(now), -MaxFieldInteger, MaxFieldInteger);

    /// <summary>Whether a kept header may be sent again: never a hop-by-hop field or one written fresh for each served copy.</summary>
    public static bool MayReplay(string name) => !NotReplayed.Contains(name);

    private static readonly HashSet<string> NotReplayed = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Age", "Set-Cookie",
    };

    /// <summary>Whether the copy may still be served at <paramref name="now"/> for a failure whose window is <paramref name="window"/>.</summary>
    public bool IsWithin(DateTimeOffset now, TimeSpan window)
    {
        var effective = StaleIfError is { } own && own < window ? own : window;
        return now - StoredAt <= effective;
    }
}
