using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace GatewayErrors;

/// <summary>What a response's own caching headers say about keeping it as a stale copy.</summary>
internal readonly record struct ResponsePolicy(bool Forbidden, TimeSpan? StaleIfError, long FreshnessSeconds, long AgeSeconds)
{
    public static ResponsePolicy Read(IHeaderDictionary headers)
    {
        long age = 0;
        if (headers.Age.Count > 0 && long.TryParse(headers.Age.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsedAge))
        {
            age = parsedAge;
        }

        long? lifetime = null;
        TimeSpan? staleIfError = null;
        if (headers.CacheControl.Count > 0)
        {
            if (!CacheControlHeaderValue.TryParse(headers.CacheControl.ToString(), out var cacheControl))
            {
                // Directives we cannot read may be ones that forbid keeping: do not guess.
                return new(Forbidden: true, null, 0, 0);
            }

            // RFC 9111 sections 5.2.2.5 (no-store), 5.2.2.7 (private) and 5.2.2.2 (must-revalidate: never served stale).
            if (cacheControl.NoStore || cacheControl.Private || cacheControl.MustRevalidate || cacheControl.ProxyRevalidate)
            {
                return new(Forbidden: true, null, 0, 0);
            }

            lifetime = (long?)(cacheControl.SharedMaxAge ?? cacheControl.MaxAge)?.TotalSeconds;
            foreach (var extension in cacheControl.Extensions)
            {
                // RFC 5861 section 4: stale-if-error=N, delta-seconds.
                if (string.Equals(extension.Name.Value, "stale-if-error", StringComparison.OrdinalIgnoreCase)
                    && long.TryParse(extension.Value.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    staleIfError = TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.MaxValue.TotalSeconds / 2));
                }
            }
        }

        if (lifetime is null && headers.Expires.Count > 0
            && HeaderUtilities.TryParseDate(headers.Expires.ToString(), out var expires))
        {
            var date = headers.Date.Count > 0 && HeaderUtilities.TryParseDate(headers.Date.ToString(), out var parsedDate) ? parsedDate : expires;
            lifetime = Math.Max(0, (long)(expires - date).TotalSeconds);
        }

        return new(Forbidden: false, staleIfError, lifetime ?? 0, age);
    }
}
