using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace GatewayErrors;

/// <summary>
/// One value of a page that changes from one request to the next, declared once: its model variable, how the model gets
/// it, the stand-in a cached page is split around, and how a cached page writes it without building a string.
/// </summary>
internal sealed class RequestField
{
    private RequestField(int index, string name, Func<PageInputs, object?> value, Action<IBufferWriter<byte>, ErrorResponse, CachedPage> write,
        Func<ErrorResponse, bool>? isPresent = null, object? sentinel = null)
    {
        Name = name;
        Value = value;
        Write = write;
        _isPresent = isPresent;

        // Letters and digits only, so encoding leaves them as they are; numbers stand in for numbers.
        Sentinel = sentinel ?? "gw7301945583f" + index.ToString(CultureInfo.InvariantCulture) + "z";
    }

    private readonly Func<ErrorResponse, bool>? _isPresent;

    /// <summary>Every per-request value, in one list: the model, the cache key and the cached writer derive from it.</summary>
    public static readonly RequestField[] All =
    [
        new(0, "trace_id", static p => p.Error.TraceId, static (w, e, _) => PageEncoder.Write(w, e.TraceId)),
        new(1, "timestamp_utc", static p => p.Error.Timestamp.UtcDateTime.ToString(HumanTime, CultureInfo.InvariantCulture),
            static (w, e, _) => WriteFormatted(w, e.Timestamp.UtcDateTime, HumanTime)),
        new(2, "timestamp_iso", static p => p.Error.Timestamp.UtcDateTime.ToString(IsoTime, CultureInfo.InvariantCulture),
            static (w, e, _) => WriteFormatted(w, e.Timestamp.UtcDateTime, IsoTime)),
        new(3, "method", static p => PageModel.SafeMethod(p.Error.Method), static (w, e, _) => WriteAscii(w, PageModel.SafeMethod(e.Method)),
            static e => PageModel.SafeMethod(e.Method).Length > 0),
        new(4, "path", static p => PageModel.SafePath(p.Error.Path), static (w, e, _) => SafePathWriter.Write(w, e.Path)),
        new(5, "retry_after_seconds", static p => p.Error.RetryAfterSeconds, static (w, e, _) => WriteNumber(w, e.RetryAfterSeconds!.Value),
            HasRetryAfter, 7_301_945_583_211L),
        new(6, "retry_after_text", static p => p.Error.RetryAfterSeconds is { } s ? p.Texts.RetryText(s) : null,
            static (w, e, page) => page.WriteRetryText(w, e.RetryAfterSeconds!.Value), HasRetryAfter),
        new(7, "retry_text", static p => p.Error.RetryAfterSeconds is { } s ? p.Texts.RetryText(s) : p.Type.RetryAdvice,
            static (w, e, page) => page.WriteRetryAdvice(w, e)),
        new(8, "retry_wait_seconds", static p => AutoRetryPolicy.WaitSeconds(p.Error, p.Retry),
            static (w, e, page) => WriteNumber(w, e.RetryAfterSeconds is { } s ? Math.Max(1, s) : page.DefaultWaitSeconds), sentinel: 7_301_945_583_212L),
        new(9, "csp_nonce", static p => AutoRetryPolicy.SafeNonce(p.Error.CspNonce),
            static (w, e, _) => WriteAscii(w, AutoRetryPolicy.SafeNonce(e.CspNonce)!), static e => AutoRetryPolicy.SafeNonce(e.CspNonce) is not null),
    ];

    private const string HumanTime = "yyyy-MM-dd HH:mm:ss 'UTC'";
    private const string IsoTime = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public string Name { get; }

    /// <summary>The value for the model: raw text or a number (the template's output encodes it).</summary>
    public Func<PageInputs, object?> Value { get; }

    /// <summary>What the page is rendered with when it is rendered for the cache: a string of letters and digits, or a number.</summary>
    public object Sentinel { get; }

    /// <summary>Writes the value for a response, HTML-encoded where it can need it.</summary>
    public Action<IBufferWriter<byte>, ErrorResponse, CachedPage> Write { get; }

    /// <summary>Whether a response has this value at all; a page without it is a different page (see <see cref="PresenceOf"/>).</summary>
    public bool IsPresent(ErrorResponse error) => _isPresent?.Invoke(error) ?? true;

    /// <summary>Which optional values a response has, as bits: part of the cache key, since a template may test for them.</summary>
    public static int PresenceOf(ErrorResponse error)
    {
        var bits = 0;
        for (var i = 0; i < All.Length; i++)
        {
            if (All[i].IsPresent(error))
            {
                bits |= 1 << i;
            }
        }

        return bits;
    }

    private static bool HasRetryAfter(ErrorResponse error) => error.RetryAfter is not null;

    private static void WriteFormatted(IBufferWriter<byte> writer, DateTime value, string format)
    {
        var span = writer.GetSpan(64);
        value.TryFormat(span, out var written, format, CultureInfo.InvariantCulture);
        writer.Advance(written);
    }

    private static void WriteNumber(IBufferWriter<byte> writer, long value)
    {
        var span = writer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        writer.Advance(written);
    }

    // Only for values that need no encoding: methods are letters, nonces base64.
    private static void WriteAscii(IBufferWriter<byte> writer, string value)
    {
        var span = writer.GetSpan(value.Length);
        var written = Encoding.ASCII.GetBytes(value, span);
        writer.Advance(written);
    }
}

/// <summary>
/// A rendered page split into pre-encoded UTF-8 pieces around the values that change per request (trace id, time,
/// path, retry wait). Writing it copies the pieces and formats those values straight into the response: no template
/// runs, no string is built.
/// </summary>
internal sealed class CachedPage
{
    private readonly byte[][] _pieces;
    private readonly RequestField[] _fields;
    private readonly PageTexts _texts;
    private readonly byte[] _retryAdvice;
    private readonly Dictionary<string, (byte[] Before, byte[]? After)> _sentences = new(StringComparer.Ordinal);

    private CachedPage(byte[][] pieces, RequestField[] fields, PageTexts texts, string retryAdvice, long defaultWaitSeconds)
    {
        _pieces = pieces;
        _fields = fields;
        _texts = texts;
        _retryAdvice = PageEncoder.EncodeToUtf8(retryAdvice);
        DefaultWaitSeconds = defaultWaitSeconds;
        foreach (var seconds in (ReadOnlySpan<long>)[1, 2, 120])
        {
            // The three forms of the retry sentence (one second, seconds, minutes), encoded and split once.
            var sentence = texts.RetrySentence(seconds, out _);
            var at = sentence.IndexOf("{0}", StringComparison.Ordinal);
            _sentences[sentence] = at < 0
                ? (PageEncoder.EncodeToUtf8(sentence), null)
                : (PageEncoder.EncodeToUtf8(sentence[..at]), PageEncoder.EncodeToUtf8(sentence[(at + 3)..]));
        }
    }

    /// <summary>The countdown's first value when there is no Retry-After.</summary>
    public long DefaultWaitSeconds { get; }

    /// <summary>
    /// Splits a page rendered with sentinel values, then checks the split against a page rendered with ordinary values:
    /// a template that transforms a value (rather than printing it) cannot be cached, and gets <see langword="null"/>
    /// here so it is rendered per request instead.
    /// </summary>
    /// <param name="withSentinels">The page rendered with stand-ins.</param>
    /// <param name="withSample">The same page rendered for <paramref name="sample"/>.</param>
    /// <param name="sample">The response the page was rendered for.</param>
    /// <param name="texts">The language the page is in (for the retry sentence).</param>
    /// <param name="retryAdvice">The retry advice used when there is no Retry-After.</param>
    /// <param name="defaultWaitSeconds">The countdown's first value when there is no Retry-After.</param>
    public static CachedPage? TryCreate(string withSentinels, string withSample, ErrorResponse sample, PageTexts texts, string retryAdvice, long defaultWaitSeconds)
    {
        var pieces = new List<byte[]>();
        var fields = new List<RequestField>();
        var start = 0;
        while (true)
        {
            var (index, field, length) = NextSentinel(withSentinels, start);
            if (field is null)
            {
                pieces.Add(Encoding.UTF8.GetBytes(withSentinels[start..]));
                break;
            }

            pieces.Add(Encoding.UTF8.GetBytes(withSentinels[start..index]));
            fields.Add(field);
            start = index + length;
        }

        var page = new CachedPage([.. pieces], [.. fields], texts, retryAdvice, defaultWaitSeconds);
        var writer = new ArrayBufferWriter<byte>(withSample.Length + 256);
        page.Write(writer, sample);
        return Encoding.UTF8.GetString(writer.WrittenSpan) == withSample ? page : null;
    }

    public void Write(IBufferWriter<byte> writer, ErrorResponse error)
    {
        for (var i = 0; i < _fields.Length; i++)
        {
            writer.Write(_pieces[i]);
            _fields[i].Write(writer, error, this);
        }

        writer.Write(_pieces[^1]);
    }

    /// <summary>"Try again in 45 seconds.", HTML-encoded, in the page's language.</summary>
    public void WriteRetryText(IBufferWriter<byte> writer, long seconds)
    {
        var (before, after) = _sentences[_texts.RetrySentence(seconds, out var number)];
        writer.Write(before);
        if (after is null)
        {
            return;
        }

        var span = writer.GetSpan(20);
        Utf8Formatter.TryFormat(number, span, out var written);
        writer.Advance(written);
        writer.Write(after);
    }

    /// <summary>The retry sentence for a Retry-After, else the type's advice.</summary>
    public void WriteRetryAdvice(IBufferWriter<byte> writer, ErrorResponse error)
    {
        if (error.RetryAfterSeconds is { } seconds)
        {
            WriteRetryText(writer, seconds);
        }
        else
        {
            writer.Write(_retryAdvice);
        }
    }

    private static (int Index, RequestField? Field, int Length) NextSentinel(string page, int start)
    {
        var best = (Index: -1, Field: (RequestField?)null, Length: 0);
        foreach (var field in RequestField.All)
        {
            var sentinel = Convert.ToString(field.Sentinel, CultureInfo.InvariantCulture)!;
            var index = page.IndexOf(sentinel, start, StringComparison.Ordinal);
            if (index >= 0 && (best.Index < 0 || index < best.Index))
            {
                best = (index, field, sentinel.Length);
            }
        }

        return best;
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
