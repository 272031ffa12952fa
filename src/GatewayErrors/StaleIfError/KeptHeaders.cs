using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace GatewayErrors;

/// <summary>Which of a response's headers a kept copy holds, and what it varies on.</summary>
internal static class KeptHeaders
{
    /// <summary>
    /// Collects the headers to keep; false when the response must not be kept at all: it sets a cookie the route did not
    /// name as irrelevant, or varies on everything (<c>Vary: *</c>).
    /// </summary>
    public static bool TryCollect(IHeaderDictionary response, StaleIfErrorMetadata route, HttpContext context, GatewayStaleIfErrorOptions settings,
        out KeyValuePair<string, string[]>[] headers, out string[] vary)
    {
        headers = [];
        vary = [];
        if (response.SetCookie.Count > 0)
        {
            // Only cookies the route named as irrelevant may be set, and they are left out of the copy.
            settings.IgnoredCookies.TryGetValue(route.RouteName(context), out var ignored);
            foreach (var header in response.SetCookie)
            {
                if (header is null)
                {
                    continue;
                }

                var name = header.AsSpan(0, Math.Max(0, header.IndexOf('=', StringComparison.Ordinal))).Trim().ToString();
                if (ignored is null || name.Length == 0 || !ignored.Contains(name, StringComparer.Ordinal))
                {
                    return false;
                }
            }
        }

        if (response.Vary.Count > 0)
        {
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var value in response.Vary)
            {
                foreach (var name in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (name == "*")
                    {
                        // RFC 9110 section 12.5.5: varies on things outside the request; no later request can be matched to it.
                        return false;
                    }

                    names.Add(name.ToLowerInvariant());
                }
            }

            vary = [.. names];
        }

        var kept = new List<KeyValuePair<string, string[]>>(response.Count);
        foreach (var (name, values) in response)
        {
            if (StaleCopy.MayReplay(name))
            {
                kept.Add(new(name, values.ToArray()!));
            }
        }

        headers = [.. kept];
        return true;
    }

    /// <summary>Whether any of <paramref name="values"/> mentions <paramref name="directive"/>.</summary>
    public static bool Contains(StringValues values, string directive)
    {
        foreach (var value in values)
        {
            if (value is not null && value.Contains(directive, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
