using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Localization;

namespace GatewayErrors;

/// <summary>
/// Chooses the language of an error response: the request culture when the app uses request localization, else the
/// best match for <c>Accept-Language</c> among the available languages, else English. Works on the tags as text, so it
/// needs no culture data (apps built with <c>InvariantGlobalization</c> run it too) and allocates nothing.
/// </summary>
internal static class PageCultures
{
    public const string Fallback = "en";

    // A hostile header can list thousands of ranges; a real browser sends a handful.
    private const int MaxRanges = 16;

    /// <summary>Returns one of <paramref name="available"/> (the exact instance), or <see cref="Fallback"/>.</summary>
    public static string Choose(HttpContext context, IReadOnlyList<string> available)
    {
        if (context.Features.Get<IRequestCultureFeature>() is { } feature)
        {
            // The app decided (cookie, query string, route or its own Accept-Language rules): follow it, and say English
            // rather than guess again when GatewayErrors has no texts for that language.
            return Match(feature.RequestCulture.UICulture.Name, available) ?? Fallback;
        }

        return FromAcceptLanguage(context.Request.Headers.AcceptLanguage.ToString(), available);
    }

    /// <summary>The highest-weighted range that matches an available language; ties go to the one listed first.</summary>
    public static string FromAcceptLanguage(ReadOnlySpan<char> header, IReadOnlyList<string> available)
    {
        string? best = null;
        var bestQuality = 0.0;
        var ranges = 0;
        foreach (var range in header.Split(','))
        {
            if (++ranges > MaxRanges)
            {
                break;
            }

            var item = header[range].Trim();
            var quality = 1.0;
            var semicolon = item.IndexOf(';');
            if (semicolon >= 0)
            {
                quality = Quality(item[(semicolon + 1)..]);
                item = item[..semicolon].TrimEnd();
            }

            if (quality <= bestQuality || item.IsEmpty || item is "*")
            {
                continue;
            }

            if (Match(item, available) is { } match)
            {
                best = match;
                bestQuality = quality;
            }
        }

        return best ?? Fallback;
    }

    /// <summary>
    /// The available language for a tag: the tag itself, else the tag with its last subtags removed (<c>pt-BR</c> →
    /// <c>pt</c>), with Chinese mapped by script (<c>zh</c>, <c>zh-CN</c>, <c>zh-SG</c> → <c>zh-Hans</c>; <c>zh-TW</c>,
    /// <c>zh-HK</c> → <c>zh-Hant</c>, which is available only when the app adds it).
    /// </summary>
    public static string? Match(ReadOnlySpan<char> tag, IReadOnlyList<string> available)
    {
        if (tag.IsEmpty || tag.Length > 35)
        {
            return null;
        }

        if (IsChinese(tag))
        {
            // Browsers send zh-CN and zh-TW, while texts are per script: each region maps to its script, and one script
            // never stands in for the other.
            return Find(tag, available) ?? Find(ChineseScript(tag), available);
        }

        while (true)
        {
            if (Find(tag, available) is { } found)
            {
                return found;
            }

            var dash = tag.LastIndexOf('-');
            if (dash <= 0)
            {
                return null;
            }

            tag = tag[..dash];
        }
    }

    /// <summary>Whether a language is written right to left (by its primary subtag).</summary>
    public static bool IsRightToLeft(string tag)
    {
        var dash = tag.IndexOf('-');
        var language = dash < 0 ? tag.AsSpan() : tag.AsSpan(0, dash);
        foreach (var rtl in (ReadOnlySpan<string>)["ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"])
        {
            if (language.Equals(rtl, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string? Find(ReadOnlySpan<char> tag, IReadOnlyList<string> available)
    {
        foreach (var candidate in available)
        {
            if (tag.Equals(candidate, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsChinese(ReadOnlySpan<char> tag)
        => tag.StartsWith("zh", StringComparison.OrdinalIgnoreCase) && (tag.Length == 2 || tag[2] == '-');

    private static string ChineseScript(ReadOnlySpan<char> tag)
        => tag.StartsWith("zh-Hant", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("zh-TW", StringComparison.OrdinalIgnoreCase)
            || tag.StartsWith("zh-HK", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("zh-MO", StringComparison.OrdinalIgnoreCase)
            ? "zh-Hant"
            : "zh-Hans";

    private static double Quality(ReadOnlySpan<char> parameters)
    {
        foreach (var range in parameters.Split(';'))
        {
            var parameter = parameters[range].Trim();
            if (parameter.Length > 2 && (parameter[0] is 'q' or 'Q') && parameter[1] == '=')
            {
                return double.TryParse(parameter[2..], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var q)
                    && q is >= 0 and <= 1 ? q : 0;
            }
        }

        return 1.0;
    }
}
