using System.Globalization;
using System.Text.Json;

namespace GatewayErrors;

/// <summary>
/// The notice one error response shows, resolved from <see cref="GatewayErrorNoticeOptions"/> (or set by another part
/// of GatewayErrors, such as the maintenance switch): raw text, encoded by each body writer for its format.
/// </summary>
/// <param name="Message">The text, trimmed, with control characters replaced by spaces.</param>
/// <param name="Since">When the incident started, in UTC, or <see langword="null"/>.</param>
/// <param name="Url">An absolute http(s) link, validated at start-up, or <see langword="null"/>.</param>
internal sealed record ErrorNotice(string Message, DateTime? Since, string? Url)
{
    private JsonElement? _json;

    /// <summary>The start time as people read it: <c>2026-12-01 14:05 UTC</c>.</summary>
    public string? SinceText => Since?.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The start time for <c>&lt;time datetime&gt;</c> and JSON: <c>2026-12-01T14:05:00Z</c>.</summary>
    public string? SinceIso => Since?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The problem details member, built once: a <see cref="JsonElement"/> serializes with any JSON options, reflection
    /// or source-generated, so an app's own <c>IProblemDetailsService</c> writes it too.
    /// </summary>
    public JsonElement Json => _json ??= BuildJson();

    /// <summary>Equal when the text, time and link are: the page cache keys on the notice, not on the cached JSON.</summary>
    public bool Equals(ErrorNotice? other)
        => other is not null && (ReferenceEquals(this, other) || (Message == other.Message && Since == other.Since && Url == other.Url));

    public override int GetHashCode() => HashCode.Combine(Message, Since, Url);

    /// <summary>Creates a notice from options, or <see langword="null"/> when there is no message.</summary>
    public static ErrorNotice? From(GatewayErrorNoticeOptions? options)
    {
        if (options is null || string.IsNullOrWhiteSpace(options.Message))
        {
            return null;
        }

        return new ErrorNotice(
            WithoutControlCharacters(options.Message.Trim()),
            options.Since?.UtcDateTime,
            options.Url is { } url ? url.OriginalString.Trim() : null);
    }

    /// <summary>
    /// Control characters (CR, LF, escape sequences) in a notice, an exception message or a name could forge lines of
    /// plain text or drive a terminal: each becomes a space. Values rarely have any, so the copy is only made when one is
    /// there. The one scrub for the notice and the plain-text body.
    /// </summary>
    internal static string WithoutControlCharacters(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return string.Create(value.Length, value, static (chars, source) =>
                {
                    for (var i = 0; i < source.Length; i++)
                    {
                        chars[i] = char.IsControl(source[i]) ? ' ' : source[i];
                    }
                });
            }
        }

        return value;
    }

    private JsonElement BuildJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>Writes the notice as a JSON object; members without a value are left out rather than written as null.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("message", Message);
        if (SinceIso is { } since)
        {
            writer.WriteString("since", since);
        }

        if (Url is { } url)
        {
            writer.WriteString("url", url);
        }

        writer.WriteEndObject();
    }
}
