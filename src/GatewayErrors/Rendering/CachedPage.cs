using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace GatewayErrors;

/// <summary>The values of a page that change from one request to the next.</summary>
internal enum PageField
{
    TraceId,
    TimestampUtc,
    TimestampIso,
    Method,
    Path,
    RetryAfterSeconds,
    RetryAfterText,
    RetryText,
    RetryWaitSeconds,
    CspNonce,
}

/// <summary>
/// A rendered page split into pre-encoded UTF-8 pieces around the values that change per request (trace id, time,
/// path, retry wait). Writing it copies the pieces and formats those values straight into the response: no template
/// runs, no string is built.
/// </summary>
internal sealed class CachedPage
{
    private static readonly PageField[] AllFields = Enum.GetValues<PageField>();

    private readonly byte[][] _pieces;
    private readonly PageField[] _fields;
    private readonly PageTexts _texts;
    private readonly string _retryTextWithoutWait;
    private readonly long _defaultWaitSeconds;

    private CachedPage(byte[][] pieces, PageField[] fields, PageTexts texts, string retryTextWithoutWait, long defaultWaitSeconds)
    {
        _pieces = pieces;
        _fields = fields;
        _texts = texts;
        _retryTextWithoutWait = retryTextWithoutWait;
        _defaultWaitSeconds = defaultWaitSeconds;
    }

    /// <summary>
    /// Splits a page rendered with <see cref="Sentinel"/> values, then checks the split against a page rendered with
    /// ordinary values: a template that transforms a value (rather than printing it) cannot be cached, and gets
    /// <see langword="null"/> here so it is rendered per request instead.
    /// </summary>
    /// <param name="withSentinels">The page rendered with stand-ins.</param>
    /// <param name="withSample">The same page rendered for <paramref name="sample"/>.</param>
    /// <param name="sample">The response the page was rendered for.</param>
    /// <param name="texts">The language the page is in (for the retry sentence).</param>
    /// <param name="retryTextWithoutWait">The encoded retry advice used when there is no Retry-After.</param>
    /// <param name="defaultWaitSeconds">The countdown's first value when there is no Retry-After.</param>
    public static CachedPage? TryCreate(string withSentinels, string withSample, ErrorResponse sample, PageTexts texts, string retryTextWithoutWait, long defaultWaitSeconds)
    {
        var pieces = new List<byte[]>();
        var fields = new List<PageField>();
        var start = 0;
        while (true)
        {
            var (index, field, length) = NextSentinel(withSentinels, start);
            if (index < 0)
            {
                pieces.Add(Encoding.UTF8.GetBytes(withSentinels[start..]));
                break;
            }

            pieces.Add(Encoding.UTF8.GetBytes(withSentinels[start..index]));
            fields.Add(field);
            start = index + length;
        }

        var page = new CachedPage([.. pieces], [.. fields], texts, retryTextWithoutWait, defaultWaitSeconds);
        var writer = new ArrayBufferWriter<byte>(withSample.Length + 256);
        page.Write(writer, sample);
        return Encoding.UTF8.GetString(writer.WrittenSpan) == withSample ? page : null;
    }

    /// <summary>The stand-in text for a field while the page is rendered for the cache.</summary>
    public static string Sentinel(PageField field) => "\u001fGE" + ((int)field).ToString(CultureInfo.InvariantCulture) + "\u001f";

    /// <summary>The stand-in number for <see cref="PageField.RetryAfterSeconds"/>, a number in the model.</summary>
    public const long RetryAfterSecondsSentinel = 7_301_945_583_211;

    /// <summary>The stand-in number for <see cref="PageField.RetryWaitSeconds"/>.</summary>
    public const long RetryWaitSecondsSentinel = 7_301_945_583_212;

    public void Write(IBufferWriter<byte> writer, ErrorResponse error)
    {
        for (var i = 0; i < _fields.Length; i++)
        {
            writer.Write(_pieces[i]);
            WriteField(writer, _fields[i], error);
        }

        writer.Write(_pieces[^1]);
    }

    private static (int Index, PageField Field, int Length) NextSentinel(string page, int start)
    {
        var best = (Index: -1, Field: default(PageField), Length: 0);
        foreach (var field in AllFields)
        {
            var sentinel = field switch
            {
                PageField.RetryAfterSeconds => RetryAfterSecondsSentinel.ToString(CultureInfo.InvariantCulture),
                PageField.RetryWaitSeconds => RetryWaitSecondsSentinel.ToString(CultureInfo.InvariantCulture),
                _ => Sentinel(field),
            };
            var index = page.IndexOf(sentinel, start, StringComparison.Ordinal);
            if (index >= 0 && (best.Index < 0 || index < best.Index))
            {
                best = (index, field, sentinel.Length);
            }
        }

        return best;
    }

    private void WriteField(IBufferWriter<byte> writer, PageField field, ErrorResponse error)
    {
        switch (field)
        {
            case PageField.TraceId:
                WriteHtmlEncoded(writer, error.TraceId);
                break;
            case PageField.TimestampUtc:
                WriteFormatted(writer, error.Timestamp.UtcDateTime, "yyyy-MM-dd HH:mm:ss 'UTC'");
                break;
            case PageField.TimestampIso:
                WriteFormatted(writer, error.Timestamp.UtcDateTime, "yyyy-MM-dd'T'HH:mm:ss'Z'");
                break;
            case PageField.Method:
                WriteUtf8(writer, ErrorPageModel.SafeMethod(error.Method));
                break;
            case PageField.Path:
                SafePathWriter.Write(writer, error.Path);
                break;
            case PageField.RetryAfterSeconds:
                if (error.RetryAfterSeconds is { } seconds)
                {
                    var span = writer.GetSpan(20);
                    Utf8Formatter.TryFormat(seconds, span, out var written);
                    writer.Advance(written);
                }

                break;
            case PageField.RetryAfterText:
                if (error.RetryAfterSeconds is { } wait)
                {
                    _texts.WriteRetryText(writer, wait);
                }

                break;
            case PageField.RetryText:
                if (error.RetryAfterSeconds is { } retry)
                {
                    _texts.WriteRetryText(writer, retry);
                }
                else
                {
                    WriteUtf8(writer, _retryTextWithoutWait);
                }

                break;
            case PageField.RetryWaitSeconds:
                {
                    var span = writer.GetSpan(20);
                    Utf8Formatter.TryFormat(error.RetryAfterSeconds is { } s ? Math.Max(1, s) : _defaultWaitSeconds, span, out var written);
                    writer.Advance(written);
                }

                break;
            case PageField.CspNonce:
                if (AutoRetryPolicy.SafeNonce(error.CspNonce) is { } nonce)
                {
                    WriteUtf8(writer, nonce);
                }

                break;
        }
    }

    private static void WriteFormatted(IBufferWriter<byte> writer, DateTime value, string format)
    {
        var span = writer.GetSpan(64);
        value.TryFormat(span, out var written, format, CultureInfo.InvariantCulture);
        writer.Advance(written);
    }

    // Only for values that need no encoding: safe methods (letters) and the advice table's already-encoded sentences.
    private static void WriteUtf8(IBufferWriter<byte> writer, string value)
    {
        var span = writer.GetSpan(value.Length);
        var written = Encoding.UTF8.GetBytes(value, span);
        writer.Advance(written);
    }

    private static void WriteHtmlEncoded(IBufferWriter<byte> writer, string value)
    {
        // Trace ids are hex (W3C) or the server's connection:request id: short. The encoder works on UTF-8 directly.
        Span<byte> utf8 = stackalloc byte[256];
        var source = value.Length <= 64 ? utf8[..Encoding.UTF8.GetBytes(value, utf8)] : Encoding.UTF8.GetBytes(value);
        var destination = writer.GetSpan(source.Length * 8);
        ErrorPageModel.Encoder.EncodeUtf8(source, destination, out _, out var written);
        writer.Advance(written);
    }
}

/// <summary>
/// Writes a request path with every character outside RFC 3986's unreserved set percent-encoded per segment: safe in
/// text, in any attribute and as a URL (a hostile path cannot become <c>javascript:</c> or break out of quotes).
/// </summary>
internal static class SafePathWriter
{
    public static void Write(IBufferWriter<byte> writer, string path)
    {
        var trimmed = path.AsSpan().TrimStart('/');
        var span = writer.GetSpan(1);
        span[0] = (byte)'/';
        writer.Advance(1);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in trimmed.EnumerateRunes())
        {
            if (rune.IsAscii && (IsUnreserved((char)rune.Value) || rune.Value == '/'))
            {
                var one = writer.GetSpan(1);
                one[0] = (byte)rune.Value;
                writer.Advance(1);
                continue;
            }

            var length = rune.EncodeToUtf8(utf8);
            var destination = writer.GetSpan(length * 3);
            for (var i = 0; i < length; i++)
            {
                destination[i * 3] = (byte)'%';
                destination[(i * 3) + 1] = (byte)HexUpper(utf8[i] >> 4);
                destination[(i * 3) + 2] = (byte)HexUpper(utf8[i] & 0xF);
            }

            writer.Advance(length * 3);
        }
    }

    public static string ToString(string path)
    {
        var writer = new ArrayBufferWriter<byte>(path.Length + 16);
        Write(writer, path);
        return Encoding.ASCII.GetString(writer.WrittenSpan);
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static char HexUpper(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);
}
