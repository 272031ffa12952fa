using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>
/// The cache keys of kept copies: scheme, host, path base, path and query; a variant key adds the values of the
/// request headers the response varies on.
/// </summary>
/// <remarks>
/// Two URLs share a copy only when they name the same resource. Scheme and host are case-insensitive (RFC 3986 section
/// 6.2.2.1) and lower-cased; the path and the query are case-sensitive and kept exactly (OutputCache folds the path,
/// as routing matches it; a copy must not: <c>/t/Token-ABC</c> and <c>/t/token-abc</c> may be different pages).
/// </remarks>
internal static class StaleCopyKey
{
    public const string Prefix = "GatewayErrors:stale:";

    // HybridCache refuses keys over its length limit or with control characters (and logs each refusal): such keys,
    // rare and possibly hostile, are replaced by a hash of themselves.
    private const int MaxPlainLength = 1024;

    public static string For(HttpRequest request)
    {
        var host = request.Host.Value ?? string.Empty;
        var pathBase = request.PathBase.Value ?? string.Empty;
        var path = request.Path.Value ?? string.Empty;
        var query = request.QueryString.Value ?? string.Empty;
        var length = Prefix.Length + request.Scheme.Length + 3 + host.Length + pathBase.Length + path.Length + query.Length;
        var key = string.Create(length, (request.Scheme, host, pathBase, path, query), static (span, parts) =>
        {
            Prefix.CopyTo(span);
            var at = Prefix.Length;
            at += parts.Scheme.AsSpan().ToLowerInvariant(span[at..]);
            "://".CopyTo(span[at..]);
            at += 3;
            at += parts.host.AsSpan().ToLowerInvariant(span[at..]);
            parts.pathBase.CopyTo(span[at..]);
            at += parts.pathBase.Length;
            parts.path.CopyTo(span[at..]);
            at += parts.path.Length;
            parts.query.CopyTo(span[at..]);
        });
        return Safe(key);
    }

    /// <summary>The key of the variant of <paramref name="baseKey"/> that this request selects.</summary>
    public static string ForVariant(string baseKey, HttpRequest request, string[] varyHeaders)
    {
        if (varyHeaders.Length == 0)
        {
            return baseKey;
        }

        var builder = new StringBuilder(baseKey, baseKey.Length + 64);
        foreach (var name in varyHeaders)
        {
            builder.Append('\n').Append(name).Append('=');
            var values = request.Headers[name];
            for (var i = 0; i < values.Count; i++)
            {
                builder.Append(i == 0 ? string.Empty : ",").Append(values[i]);
            }
        }

        // The separator is a control character on purpose: it cannot appear in a header value, so no two variants collide;
        // Safe then hashes the key, which HybridCache would refuse as it is.
        return Safe(builder.ToString(), force: true);
    }

    private static string Safe(string key, bool force = false)
    {
        if (!force && key.Length <= MaxPlainLength && key.AsSpan().IndexOfAnyInRange('\0', '\u001f') < 0)
        {
            return key;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return Prefix + "#" + Convert.ToHexStringLower(hash);
    }
}
