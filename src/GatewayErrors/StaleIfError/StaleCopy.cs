using System.Buffers;
using System.ComponentModel;
using Microsoft.Net.Http.Headers;

namespace GatewayErrors;

/// <summary>
/// A kept response (status, headers, body and when it was kept), or, under a URL whose response varies, the list of
/// request headers it varies on (<see cref="IsVaryRules"/>), so the lookup knows which variant key to read.
/// </summary>
/// <remarks>
/// <para>Immutable (and marked so) so that HybridCache hands out the same instance from memory instead of a copy per read.</para>
/// <para>Safe by construction: whoever builds a copy (the capture of a response, or the deserializer reading bytes from a
/// shared cache anyone with access may have written), its numbers are valid structured-field integers and its headers
/// are only ones <see cref="MayReplay(string)"/> lets through, with values that are valid field values.</para>
/// </remarks>
[ImmutableObject(true)]
internal sealed class StaleCopy
{
    // Hop-by-hop fields (RFC 9110 section 7.6.1, and the older ones still seen), and fields written fresh for each
    // served copy (Content-Length from the kept body, Age from the copy's age) or never shared (Set-Cookie).
    private static readonly SearchValues<string> NeverReplayed = SearchValues.Create(
    [
        HeaderNames.Connection, HeaderNames.KeepAlive, "Proxy-Connection", HeaderNames.TE, HeaderNames.Trailer,
        HeaderNames.TransferEncoding, HeaderNames.Upgrade, HeaderNames.ProxyAuthenticate, "Proxy-Authentication-Info",
        HeaderNames.ProxyAuthorization, HeaderNames.ContentLength, HeaderNames.Age, HeaderNames.SetCookie, "Set-Cookie2",
    ], StringComparison.OrdinalIgnoreCase);

    // tchar (RFC 9110 section 5.6.2).
    private static readonly SearchValues<char> TokenChars = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    // field-vchar, SP and HTAB (RFC 9110 section 5.5). obs-text (0x80-0xFF) is left out: Kestrel refuses non-ASCII
    // response values by default, so a copy with one could not be served.
    private static readonly SearchValues<char> ValueChars = SearchValues.Create("\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    public StaleCopy(int statusCode, DateTimeOffset storedAt, TimeSpan? staleIfError, long freshnessSeconds, long initialAgeSeconds,
        IReadOnlyList<KeyValuePair<string, string[]>> headers, byte[] body)
    {
        StatusCode = statusCode;
        StoredAt = storedAt;
        StaleIfError = staleIfError is { } own && own < TimeSpan.Zero ? TimeSpan.Zero : staleIfError;
        FreshnessSeconds = Math.Clamp(freshnessSeconds, 0, ResponsePolicy.MaxSeconds);
        InitialAgeSeconds = Math.Clamp(initialAgeSeconds, 0, ResponsePolicy.MaxSeconds);
        Headers = Replayable(headers);
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

    /// <summary>
    /// How long after <see cref="StoredAt"/> the response's own <c>Cache-Control: stale-if-error</c> lets it be served
    /// (<see cref="ResponsePolicy.StaleIfError"/>); it can only shorten the window.
    /// </summary>
    public TimeSpan? StaleIfError { get; }

    /// <summary>The response's freshness lifetime (RFC 9111 section 4.2.1), 0 ... <see cref="ResponsePolicy.MaxSeconds"/>.</summary>
    public long FreshnessSeconds { get; }

    /// <summary>The <c>Age</c> the response already had when it was kept (it came through another cache), 0 ... <see cref="ResponsePolicy.MaxSeconds"/>.</summary>
    public long InitialAgeSeconds { get; }

    /// <summary>Lower-case request header names, sorted; only for <see cref="IsVaryRules"/>.</summary>
    public string[] VaryHeaders { get; }

    /// <summary>The headers to replay, already filtered by <see cref="MayReplay(string)"/> and <see cref="MayReplayValue"/>.</summary>
    public KeyValuePair<string, string[]>[] Headers { get; }

    public byte[] Body { get; }

    /// <summary>
    /// The response's age at <paramref name="now"/> in whole seconds (RFC 9111 section 4.2.3): never negative, and never
    /// more than <see cref="ResponsePolicy.MaxSeconds"/>, so it is always a valid <c>Age</c> (RFC 9111 section 1.2.2).
    /// </summary>
    public long AgeSeconds(DateTimeOffset now)
    {
        var since = ResponsePolicy.Clamp((now - StoredAt).TotalSeconds);
        return InitialAgeSeconds > ResponsePolicy.MaxSeconds - since ? ResponsePolicy.MaxSeconds : InitialAgeSeconds + since;
    }

    /// <summary>
    /// Cache-Status <c>ttl</c> at <paramref name="now"/> (RFC 9211 section 2.8): the freshness left, negative once stale,
    /// always within the RFC 8941 integer range.
    /// </summary>
    public long TtlSeconds(DateTimeOffset now) => FreshnessSeconds - AgeSeconds(now);

    /// <summary>Whether the copy may still be served at <paramref name="now"/> for a failure whose window is <paramref name="window"/>.</summary>
    public bool IsWithin(DateTimeOffset now, TimeSpan window)
    {
        var effective = StaleIfError is { } own && own < window ? own : window;
        return now - StoredAt <= effective;
    }

    /// <summary>
    /// Whether a header with this name may be written into a served copy: not hop-by-hop (RFC 9110 section 7.6.1), not
    /// <c>Set-Cookie</c>, <c>Content-Length</c> or <c>Age</c>, and a valid field name (RFC 9110 section 5.1).
    /// Names listed in a copy's <c>Connection</c> header are also hop-by-hop; <see cref="Replayable"/> drops those.
    /// </summary>
    public static bool MayReplay(string headerName)
        => !string.IsNullOrEmpty(headerName) && !headerName.AsSpan().ContainsAnyExcept(TokenChars) && !NeverReplayed.Contains(headerName);

    /// <summary>Whether a header value may be written (RFC 9110 section 5.5): visible ASCII, spaces and tabs; no CR, LF, NUL or other control characters.</summary>
    public static bool MayReplayValue(string? value)
        => value is not null && !value.AsSpan().ContainsAnyExcept(ValueChars);

    /// <summary>
    /// The headers of <paramref name="headers"/> that may be replayed: those <see cref="MayReplay(string)"/> allows, not
    /// named in their own <c>Connection</c> header, and with every value valid; a header with any bad value is dropped whole.
    /// </summary>
    public static KeyValuePair<string, string[]>[] Replayable(IReadOnlyList<KeyValuePair<string, string[]>> headers)
    {
        HashSet<string>? connectionOptions = null;
        foreach (var (name, values) in headers)
        {
            if (string.Equals(name, HeaderNames.Connection, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var value in values ?? [])
                {
                    foreach (var option in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    {
                        (connectionOptions ??= new(StringComparer.OrdinalIgnoreCase)).Add(option);
                    }
                }
            }
        }

        var kept = new List<KeyValuePair<string, string[]>>(headers.Count);
        foreach (var (name, values) in headers)
        {
            if (name is not null && values is not null && MayReplay(name) && connectionOptions?.Contains(name) != true && Array.TrueForAll(values, MayReplayValue))
            {
                kept.Add(new(name, values));
            }
        }

        return kept.Count == headers.Count && headers is KeyValuePair<string, string[]>[] same ? same : [.. kept];
    }
}
