using System.Text;
using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>
/// What request and upstream values look like in a log entry: escaped, so that no value can start a line of its own
/// (a CR or LF in a decoded path would let a request forge an entry in any reader that splits on line breaks).
/// </summary>
internal static class LogValues
{
    /// <summary>The request's path base and path as they appear in a URI: percent-encoded, as ASP.NET Core's own entries write it.</summary>
    public static string Path(HttpRequest request)
    {
        var path = request.PathBase.HasValue ? request.PathBase.Add(request.Path) : request.Path;
        return path.HasValue ? path.ToUriComponent() : "/";
    }

    /// <summary>The text with every control character written as an escape (<c>\r</c>, <c>\n</c>, <c>\u001b</c>); the same instance when there is none.</summary>
    public static string? Text(string? text)
    {
        if (text is null || !text.AsSpan().ContainsAnyInRange('\0', '\u001f') && !text.Contains('\u007f', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\r' => builder.Append("\\r"),
                '\n' => builder.Append("\\n"),
                '\t' => builder.Append("\\t"),
                < ' ' or '\u007f' => builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }
}
