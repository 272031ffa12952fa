using System.Text;

namespace GatewayErrors;

/// <summary>
/// Writes the RFC 9209 <c>Proxy-Status</c> field: a Structured Field List (RFC 8941) with one member naming this
/// intermediary and parameters saying what went wrong.
/// </summary>
internal static class ProxyStatusHeader
{
    public const string Name = "Proxy-Status";

    // Retry-After values repeat during an outage: the common ones are formatted once.
    private static readonly string[] SmallSeconds = Enumerable.Range(0, 3601).Select(static s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>A delay-seconds value; the common ones (up to an hour) are not formatted again per response.</summary>
    public static string Seconds(long seconds)
        => (ulong)seconds < (ulong)SmallSeconds.Length ? SmallSeconds[seconds] : seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Format(string proxyName, ErrorTypeInfo type, int? receivedStatus, string? nextHop, string? details)
    {
        var builder = new StringBuilder(64);
        AppendItem(builder, proxyName);
        if (type.Token is not null)
        {
            builder.Append(";error=").Append(type.Token);
        }

        if (nextHop is not null)
        {
            builder.Append(";next-hop=");
            AppendString(builder, nextHop);
        }

        if (receivedStatus is { } status)
        {
            builder.Append(";received-status=").Append(status);
        }

        if (details is not null)
        {
            builder.Append(";details=");
            AppendString(builder, details);
        }

        return builder.ToString();
    }

    /// <summary>The member is a token when the name allows it (the RFC's examples read that way), else an sf-string.</summary>
    internal static void AppendItem(StringBuilder builder, string name)
    {
        if (IsToken(name))
        {
            builder.Append(name);
        }
        else
        {
            AppendString(builder, name);
        }
    }

    /// <summary>
    /// Appends an sf-string (RFC 8941 section 3.3.3): printable ASCII only, with <c>"</c> and <c>\</c> escaped. Anything
    /// else (control characters, non-ASCII) is replaced with <c>?</c>: a header must never carry raw bytes from an
    /// exception message or a host name.
    /// </summary>
    internal static void AppendString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c is >= ' ' and <= '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('?');
            }
        }

        builder.Append('"');
    }

    /// <summary>sf-token: ( ALPHA / "*" ) *( tchar / ":" / "/" ).</summary>
    internal static bool IsToken(string value)
    {
        if (value.Length == 0 || !(char.IsAsciiLetter(value[0]) || value[0] == '*'))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ':' or '/' or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~'))
            {
                return false;
            }
        }

        return true;
    }

}
