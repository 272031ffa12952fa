using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace GatewayErrors;

/// <summary>The plain text body, for curl, scripts and anything that did not ask for HTML or JSON.</summary>
/// <remarks>Written straight into the response as UTF-8: an outage sends this to every script at once.</remarks>
internal static class PlainTextBody
{
    public const string ContentType = "text/plain; charset=utf-8";

    public static void Write(IBufferWriter<byte> writer, ErrorResponse error)
    {
        var span = writer.GetSpan(16);
        Utf8Formatter.TryFormat(error.StatusCode, span, out var written);
        writer.Advance(written);
        Text(writer, " ");
        Text(writer, error.ReasonPhrase);
        Text(writer, ": ");
        // The title and summary follow the visitor's language; the labels below stay English, for scripts that read them.
        var texts = error.Texts?.For(error.Type.Type);
        Text(writer, texts?.Title ?? error.Type.EnglishTitle);
        Text(writer, "\n");
        Text(writer, texts?.Summary ?? error.Type.EnglishSummary);
        Text(writer, "\n");
        if (error.Notice is { } notice)
        {
            // Already without control characters (ErrorNotice.From), so it cannot forge lines.
            Line(writer, "Notice: ", notice.Message);
            if (notice.SinceText is { } since)
            {
                Line(writer, "Since: ", since);
            }

            if (notice.Url is { } url)
            {
                Line(writer, "More: ", url);
            }
        }

        if (error.RetryAfterSeconds is { } seconds)
        {
            span = writer.GetSpan(64);
            Utf8.TryWrite(span, CultureInfo.InvariantCulture, $"Retry after: {seconds} seconds\n", out written);
            writer.Advance(written);
        }

        Line(writer, "Upstream: ", error.UpstreamDisplayName);
        Line(writer, "Error type: ", error.Type.Name);
        Line(writer, "Trace id: ", error.TraceId);
        Text(writer, "Time (UTC): ");
        span = writer.GetSpan(32);
        error.Timestamp.UtcDateTime.TryFormat(span, out written, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        writer.Advance(written);
        Text(writer, "\n");
        if (error.NextHop is not null)
        {
            Line(writer, "Next hop: ", error.NextHop);
        }

        if (error.Detail is not null)
        {
            Line(writer, "Detail: ", error.Detail);
        }
    }

    public static string Render(ErrorResponse error)
    {
        var writer = new ArrayBufferWriter<byte>(512);
        Write(writer, error);
        return Encoding.UTF8.GetString(writer.WrittenSpan);
    }

    private static void Line(IBufferWriter<byte> writer, string label, string value)
    {
        Text(writer, label);
        Text(writer, ErrorNotice.WithoutControlCharacters(value));
        Text(writer, "\n");
    }

    private static void Text(IBufferWriter<byte> writer, string value)
    {
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        writer.Advance(Encoding.UTF8.GetBytes(value, span));
    }
}
