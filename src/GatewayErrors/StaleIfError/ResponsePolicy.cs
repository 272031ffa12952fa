using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace GatewayErrors;

/// <summary>
/// What a response's own caching headers say about keeping it as a stale copy that a shared cache serves to everyone
/// during an outage (docs/stale-if-error.md, "What the response's own headers decide").
/// </summary>
/// <param name="Forbidden">True when RFC 9111 forbids a shared cache to serve the response stale, or its
/// <c>Cache-Control</c> cannot be read: such a response is never kept.</param>
/// <param name="StaleIfError">How long after it is kept the response's own <c>stale-if-error=N</c> lets it be served:
/// its remaining freshness (freshness lifetime minus the <c>Age</c> it arrived with) plus N (RFC 5861 section 4: N
/// seconds past its freshness); null without that directive. It only ever shortens the app's window.</param>
/// <param name="FreshnessSeconds">The freshness lifetime (RFC 9111 section 4.2.1), a valid structured-field integer.</param>
/// <param name="AgeSeconds">The <c>Age</c> the response arrived with (RFC 9111 section 5.1), a valid structured-field integer.</param>
internal readonly record struct ResponsePolicy(bool Forbidden, TimeSpan? StaleIfError, long FreshnessSeconds, long AgeSeconds)
{
    /// <summary>The largest RFC 8941 integer (15 digits); every number this class returns is clamped to it.</summary>
    public const long MaxSeconds = 999_999_999_999_999;

    private static readonly ResponsePolicy NotKept = new(Forbidden: true, null, 0, 0);

    // Extensions (RFC 9111 section 5.2.3) that say nothing against serving a response stale from a shared cache. Any other
    // extension might (a CDN's private dialect, a typo of a known directive): such a response is not kept.
    private static readonly HashSet<string> HarmlessExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        "stale-if-error", "stale-while-revalidate", "immutable", "must-understand",
    };

    public static ResponsePolicy Read(IHeaderDictionary headers)
    {
        var age = ReadAge(headers.Age);
        long? lifetime = null;
        long? staleIfError = null;
        if (headers.CacheControl.Count > 0)
        {
            if (!CacheControlHeaderValue.TryParse(headers.CacheControl.ToString(), out var cacheControl))
            {
                // Directives we cannot read may be ones that forbid keeping: do not guess.
                return NotKept;
            }

            // RFC 9111 section 4.2.4: a cache must not serve a response stale when a directive forbids it. The field-name
            // forms (no-cache="Set-Cookie", private="X-User") would allow keeping the response without those fields; they
            // are treated as the plain directives, because they say the origin sends per-visitor data with it.
            // Sections 5.2.2.4 (no-cache), 5.2.2.5 (no-store), 5.2.2.7 (private), 5.2.2.2 (must-revalidate),
            // 5.2.2.8 (proxy-revalidate) and 5.2.2.10 (s-maxage, which implies proxy-revalidate for a shared cache).
            // RFC 5861's stale-if-error does not override them: the origin said two things, the cautious one wins.
            if (cacheControl.NoCache || cacheControl.NoStore || cacheControl.Private || cacheControl.MustRevalidate
                || cacheControl.ProxyRevalidate || cacheControl.SharedMaxAge is not null)
            {
                return NotKept;
            }

            lifetime = cacheControl.MaxAge is { } maxAge ? Clamp(maxAge.TotalSeconds) : null;
            foreach (var extension in cacheControl.Extensions)
            {
                if (!HarmlessExtensions.Contains(extension.Name.Value ?? string.Empty))
                {
                    return NotKept;
                }

                // RFC 5861 section 4: stale-if-error=N, delta-seconds (RFC 9111 section 1.2.2: a quoted form is accepted).
                if (string.Equals(extension.Name.Value, "stale-if-error", StringComparison.OrdinalIgnoreCase))
                {
                    if (!TryDeltaSeconds(HeaderUtilities.RemoveQuotes(extension.Value).Value, out var seconds))
                    {
                        return NotKept;
                    }

                    staleIfError = seconds;
                }
            }
        }

        if (lifetime is null && headers.Expires.Count > 0)
        {
            // RFC 9111 section 5.3: an Expires that does not parse ("0") means already expired.
            lifetime = HeaderUtilities.TryParseDate(headers.Expires.ToString(), out var expires)
                ? Clamp((expires - (headers.Date.Count > 0 && HeaderUtilities.TryParseDate(headers.Date.ToString(), out var date) ? date : expires)).TotalSeconds)
                : 0;
        }

        var freshness = lifetime ?? 0;
        TimeSpan? window = staleIfError is { } n ? TimeSpan.FromSeconds(Math.Max(0, Math.Min(MaxSeconds, freshness - age + n))) : null;
        return new(Forbidden: false, window, freshness, age);
    }

    /// <summary>
    /// The <c>Age</c> a response arrived with. RFC 9111 section 5.1: the first member of a list is used, an invalid value
    /// (negative, not a number) is ignored; section 1.2.2: a value too large to represent is taken as the largest we can.
    /// </summary>
    public static long ReadAge(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count == 0 || values[0] is not { } first)
        {
            return 0;
        }

        var comma = first.IndexOf(',', StringComparison.Ordinal);
        return TryDeltaSeconds(comma < 0 ? first.AsSpan().Trim() : first.AsSpan(0, comma).Trim(), out var age) ? age : 0;
    }

    /// <summary>Clamps a number of seconds to 0 ... <see cref="MaxSeconds"/>.</summary>
    public static long Clamp(double seconds) => seconds <= 0 || double.IsNaN(seconds) ? 0 : seconds >= MaxSeconds ? MaxSeconds : (long)seconds;

    // delta-seconds = 1*DIGIT (RFC 9111 section 1.2.2); any number of digits, saturating at MaxSeconds.
    private static bool TryDeltaSeconds(ReadOnlySpan<char> text, out long seconds)
    {
        seconds = 0;
        if (text.IsEmpty || text.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        text = text.TrimStart('0');
        seconds = text.Length > 15 ? MaxSeconds : text.IsEmpty ? 0 : long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }
}
