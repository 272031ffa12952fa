using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace GatewayErrors;

/// <summary>The built-in HTML page: self-contained, no scripts, no external requests, every dynamic value encoded.</summary>
internal static class HtmlErrorPage
{
    public const string ContentType = "text/html; charset=utf-8";

    private const string Head = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
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

    public static string Render(ErrorResponse error)
    {
        var encoder = HtmlEncoder.Default;
        var html = new StringBuilder(2048).Append(Head);
        html.Append("<title>").Append(error.StatusCode).Append(' ').Append(encoder.Encode(error.Type.EnglishTitle)).Append("</title>\n</head>\n<body>\n<main>\n")
            .Append("<h1><span class=\"code\">").Append(error.StatusCode).Append("</span> ").Append(encoder.Encode(error.Type.EnglishTitle)).Append("</h1>\n")
            .Append("<p>").Append(encoder.Encode(error.Type.EnglishSummary)).Append(" The problem is not on your side.</p>\n")
            .Append(error.Notice is { } notice ? "<p><strong>" + encoder.Encode(notice.Message) + "</strong></p>\n" : "")
            .Append("<p>").Append(error.RetryAfterSeconds is { } seconds
                ? $"Please try again in {seconds.ToString(CultureInfo.InvariantCulture)} seconds."
                : "Please try again in a few minutes.").Append("</p>\n")
            .Append("<dl>\n<dt>Upstream</dt><dd>").Append(encoder.Encode(error.UpstreamDisplayName)).Append("</dd>\n")
            .Append("<dt>Error</dt><dd>").Append(encoder.Encode(error.Type.Name)).Append("</dd>\n")
            .Append("<dt>Trace id</dt><dd>").Append(encoder.Encode(error.TraceId)).Append("</dd>\n")
            .Append("<dt>Time (UTC)</dt><dd>").Append(error.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append("</dd>\n");
        if (error.NextHop is not null)
        {
            html.Append("<dt>Next hop</dt><dd>").Append(encoder.Encode(error.NextHop)).Append("</dd>\n");
        }

        if (error.Detail is not null)
        {
            html.Append("<dt>Detail</dt><dd>").Append(encoder.Encode(error.Detail)).Append("</dd>\n");
        }

        return html.Append("</dl>\n</main>\n</body>\n</html>\n").ToString();
    }
}
