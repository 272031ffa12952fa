using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace GatewayErrors;

/// <summary>
/// The page of last resort, sent when a theme fails to render: self-contained, no scripts, no external requests, every
/// dynamic value encoded. It speaks the visitor's language from texts read before anything failed.
/// </summary>
internal static class HtmlErrorPage
{
    public const string ContentType = "text/html; charset=utf-8";

    private const string Style = """
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex, nofollow">
        <style>
        :root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fafafa;--muted:#52525b;--accent:#b91c1c}
        @media (prefers-color-scheme:dark){:root{--fg:#f4f4f5;--bg:#18181b;--muted:#b4b4bb;--accent:#f87171}}
        body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
        main{max-width:40rem;margin:0 auto;padding:3rem 1.25rem}
        h1{font-size:1.6rem;margin:0 0 1rem}.code{color:var(--accent)}dl{color:var(--muted)}dt{font-weight:600}dd{margin:0 0 .5rem}
        </style>
        """;

    /// <summary>
    /// Writes the page in the language of <paramref name="texts"/>. It must not fail where the theme just did, so it only
    /// reads what <see cref="PageTexts"/> prepared once per language, and encodes everything itself;
    /// the owner's details (next hop, exception message) stay English, as in the themes' owner section.
    /// </summary>
    public static string Render(ErrorResponse error, PageTexts texts)
    {
        var encoder = HtmlEncoder.Default;
        var type = texts.For(error.Type.Type);
        var html = new StringBuilder(2048)
            .Append("<!DOCTYPE html>\n<html lang=\"").Append(encoder.Encode(texts.Language)).Append("\" dir=\"").Append(texts.Direction).Append("\">\n<head>\n")
            .Append(Style)
            .Append("<title>").Append(error.StatusCode).Append(' ').Append(encoder.Encode(type.Title)).Append("</title>\n</head>\n<body>\n<main>\n")
            .Append("<h1><span class=\"code\">").Append(error.StatusCode).Append("</span> ").Append(encoder.Encode(type.Title)).Append("</h1>\n")
            .Append("<p>").Append(encoder.Encode(type.Summary)).Append("</p>\n")
            .Append(error.Notice is { } notice ? "<p><strong><bdi>" + encoder.Encode(notice.Message) + "</bdi></strong></p>\n" : "")
            .Append("<p>").Append(error.RetryAfterSeconds is { } seconds ? encoder.Encode(texts.RetryText(seconds)) : encoder.Encode(type.RetryAdvice)).Append("</p>\n")
            .Append("<dl>\n<dt>").Append(Text(texts, "hopServiceBehind")).Append("</dt><dd><bdi>").Append(encoder.Encode(error.UpstreamDisplayName)).Append("</bdi></dd>\n")
            .Append("<dt>").Append(Text(texts, "errorLabel")).Append("</dt><dd dir=\"ltr\">").Append(encoder.Encode(error.Type.Name)).Append("</dd>\n")
            .Append("<dt>").Append(Text(texts, "reference")).Append("</dt><dd dir=\"ltr\">").Append(encoder.Encode(error.TraceId)).Append("</dd>\n")
            .Append("<dt>").Append(Text(texts, "time")).Append("</dt><dd dir=\"ltr\">")
            .Append(error.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append("</dd>\n");
        if (error.NextHop is not null)
        {
            html.Append("<dt lang=\"en\">Next hop</dt><dd dir=\"ltr\">").Append(encoder.Encode(error.NextHop)).Append("</dd>\n");
        }

        if (error.Detail is not null)
        {
            html.Append("<dt lang=\"en\">Detail</dt><dd lang=\"en\" dir=\"ltr\">").Append(encoder.Encode(error.Detail)).Append("</dd>\n");
        }

        return html.Append("</dl>\n</main>\n</body>\n</html>\n").ToString();
    }

    // Every chrome key is in the table (a missing one reads as its key), so this only guards against a key renamed later.
    private static string Text(PageTexts texts, string key) => HtmlEncoder.Default.Encode(texts.Text.TryGetValue(key, out var value) ? value : key);
}
