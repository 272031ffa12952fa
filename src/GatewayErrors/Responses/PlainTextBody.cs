using System.Text;

namespace GatewayErrors;

/// <summary>The plain text body, for curl, scripts and anything that did not ask for HTML or JSON.</summary>
internal static class PlainTextBody
{
    public const string ContentType = "text/plain; charset=utf-8";

    public static string Render(ErrorResponse error)
    {
        var text = new StringBuilder(256)
            .Append(error.StatusCode).Append(' ').Append(error.ReasonPhrase).Append(": ").Append(error.Type.Title).Append('\n')
            .Append(error.Type.Summary).Append('\n');
        if (error.RetryAfterSeconds is { } seconds)
        {
            text.Append("Retry after: ").Append(seconds).Append(" seconds\n");
        }

        text.Append("Upstream: ").Append(StripControl(error.UpstreamDisplayName)).Append('\n')
            .Append("Error type: ").Append(error.Type.Name).Append('\n')
            .Append("Trace id: ").Append(error.TraceId).Append('\n')
            .Append("Time (UTC): ").Append(error.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        if (error.NextHop is not null)
        {
            text.Append("Next hop: ").Append(StripControl(error.NextHop)).Append('\n');
        }

        if (error.Detail is not null)
        {
            text.Append("Detail: ").Append(StripControl(error.Detail)).Append('\n');
        }

        return text.ToString();
    }

    // Control characters (CR, LF, escape sequences) from an exception message could forge lines in a terminal.
    private static string StripControl(string value)
    {
        if (!value.AsSpan().ContainsAnyInRange('\0', '\x1f') && !value.Contains('\x7f', StringComparison.Ordinal))
        {
            return value;
        }

        var chars = value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]))
            {
                chars[i] = ' ';
            }
        }

        return new string(chars);
    }
}
