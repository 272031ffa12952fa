using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Resources;
using System.Text;

namespace GatewayErrors;

/// <summary>The plain text body, for curl, scripts and anything that did not ask for HTML or JSON.</summary>
/// <remarks>Written straight into the response as UTF-8: an outage sends this to every script at once.</remarks>
internal static class PlainTextBody
{
    public const string ContentType = "text/plain; charset=utf-8";

    public static void Write(IBufferWriter<byte> writer, ErrorResponse error)
    {
        var labels = PlainTextLabels.For(error.Texts?.Language);
        var span = writer.GetSpan(16);
        Utf8Formatter.TryFormat(error.StatusCode, span, out var written);
        writer.Advance(written);
        if (labels.IsEnglish)
        {
            // The reason phrase is English by definition (RFC 9110 gives no other): only an English body carries it.
            Text(writer, " ");
            Text(writer, error.ReasonPhrase);
        }

        Text(writer, ": ");
        // Everything follows the visitor's language but the values: the error type token, the trace id and the time stay
        // as machines write them. Scripts read Proxy-Status or ask for application/problem+json, whose names never change.
        var texts = error.Texts?.For(error.Type.Type);
        Text(writer, texts?.Title ?? error.Type.EnglishTitle);
        Text(writer, "\n");
        Text(writer, texts?.Summary ?? error.Type.EnglishSummary);
        Text(writer, "\n");
        if (error.Notice is { } notice)
        {
            // Already without control characters (ErrorNotice.From), so it cannot forge lines.
            Line(writer, labels.Notice, notice.Message);
            if (notice.SinceText is { } since)
            {
                Line(writer, labels.Since, since);
            }

            if (notice.Url is { } url)
            {
                Line(writer, labels.More, url);
            }
        }

        if (error.RetryAfterSeconds is { } seconds)
        {
            Text(writer, labels.RetryAfter.Before);
            span = writer.GetSpan(20);
            Utf8Formatter.TryFormat(seconds, span, out written);
            writer.Advance(written);
            Text(writer, labels.RetryAfter.After);
            Text(writer, "\n");
        }

        Line(writer, labels.Upstream, error.UpstreamDisplayName);
        Line(writer, labels.ErrorType, error.Type.Name);
        Line(writer, labels.TraceId, error.TraceId);
        Text(writer, labels.TimeUtc.Before);
        span = writer.GetSpan(32);
        error.Timestamp.UtcDateTime.TryFormat(span, out written, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        writer.Advance(written);
        Text(writer, labels.TimeUtc.After);
        Text(writer, "\n");
        if (error.NextHop is not null)
        {
            Line(writer, labels.NextHop, error.NextHop);
        }

        if (error.Detail is not null)
        {
            Line(writer, labels.Detail, error.Detail);
        }
    }

    public static string Render(ErrorResponse error)
    {
        var writer = new ArrayBufferWriter<byte>(512);
        Write(writer, error);
        return Encoding.UTF8.GetString(writer.WrittenSpan);
    }

    private static void Line(IBufferWriter<byte> writer, PlainTextLabel label, string value)
    {
        Text(writer, label.Before);
        Text(writer, ErrorNotice.WithoutControlCharacters(value));
        Text(writer, label.After);
        Text(writer, "\n");
    }

    private static void Text(IBufferWriter<byte> writer, string value)
    {
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        writer.Advance(Encoding.UTF8.GetBytes(value, span));
    }
}

/// <summary>A label around a value, as a language writes it: <c>Upstream: {0}</c>, <c>Service en arrière-plan : {0}</c>.</summary>
internal readonly record struct PlainTextLabel(string Before, string After)
{
    public static PlainTextLabel Parse(string pattern)
    {
        var at = pattern.IndexOf("{0}", StringComparison.Ordinal);
        return at < 0 ? new(pattern + " ", "") : new(pattern[..at], pattern[(at + 3)..]);
    }
}

/// <summary>
/// The plain text body's labels in one language (the <c>plain.*</c> texts of Localization/GatewayErrorPages*.resx), read
/// once per language and kept: a body is written per failing request, during an outage for every one of them.
/// </summary>
/// <remarks>
/// These come from GatewayErrors' own resources for the language, then its parents, then English; an app's own
/// <c>GatewayErrorPages</c> resources do not reach them (they are not part of the page's texts).
/// </remarks>
internal sealed class PlainTextLabels
{
    private static readonly ResourceManager Resources = new(PageTexts.ResourceBaseName, typeof(PlainTextLabels).Assembly);
    private static readonly ConcurrentDictionary<string, PlainTextLabels> ByLanguage = new(StringComparer.OrdinalIgnoreCase);
    private static readonly PlainTextLabels English = new(CultureInfo.InvariantCulture, isEnglish: true);

    private PlainTextLabels(CultureInfo culture, bool isEnglish)
    {
        IsEnglish = isEnglish;
        Notice = Get("plain.notice", culture);
        Since = Get("plain.since", culture);
        More = Get("plain.more", culture);
        RetryAfter = Get("plain.retryAfter", culture);
        Upstream = Get("plain.upstream", culture);
        ErrorType = Get("plain.errorType", culture);
        TraceId = Get("plain.traceId", culture);
        TimeUtc = Get("plain.timeUtc", culture);
        NextHop = Get("plain.nextHop", culture);
        Detail = Get("plain.detail", culture);
    }

    public bool IsEnglish { get; }

    public PlainTextLabel Notice { get; }

    public PlainTextLabel Since { get; }

    public PlainTextLabel More { get; }

    public PlainTextLabel RetryAfter { get; }

    public PlainTextLabel Upstream { get; }

    public PlainTextLabel ErrorType { get; }

    public PlainTextLabel TraceId { get; }

    public PlainTextLabel TimeUtc { get; }

    public PlainTextLabel NextHop { get; }

    public PlainTextLabel Detail { get; }

    /// <summary>The labels for a page language (<see cref="PageTexts.Language"/>); English when there is none.</summary>
    public static PlainTextLabels For(string? language)
    {
        if (string.IsNullOrEmpty(language) || language.Equals("en", StringComparison.OrdinalIgnoreCase) || language.StartsWith("en-", StringComparison.OrdinalIgnoreCase))
        {
            return English;
        }

        // The page's languages are few (the shipped ones and those the app adds), so the cache stays small.
        return ByLanguage.GetOrAdd(language, static tag =>
        {
            try
            {
                return new PlainTextLabels(CultureInfo.GetCultureInfo(tag), isEnglish: false);
            }
            catch (CultureNotFoundException)
            {
                // Without culture data (InvariantGlobalization) the page is English too.
                return English;
            }
        });
    }

    private static PlainTextLabel Get(string key, CultureInfo culture)
        => PlainTextLabel.Parse(Resources.GetString(key, culture) ?? Resources.GetString(key, CultureInfo.InvariantCulture) ?? key + ": {0}");
}
