using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>
/// The preview's gallery: one table per page set and theme, a row per error type and status naming the template that
/// answers it, and a link per language and method to the page itself. Every combination the preview can show is linked.
/// </summary>
internal static class PreviewGallery
{
    private const string Style = """
        :root{color-scheme:light dark}body{margin:0;font:15px/1.5 system-ui,sans-serif}main{max-width:90rem;margin:0 auto;padding:2rem 1.25rem}
        table{border-collapse:collapse;margin:0 0 2rem}th,td{text-align:left;padding:.2rem .6rem;border-bottom:1px solid #8884;vertical-align:top}
        thead th{position:sticky;top:0;background:Canvas}td.links{white-space:nowrap}td.links a{margin-inline-end:.4rem}code{font-size:.9em}
        """;

    public static string Render(PreviewCatalog catalog, PathString self)
    {
        var e = HtmlEncoder.Default;
        var sets = new List<string?> { null };
        sets.AddRange(catalog.PageSets);
        var html = new StringBuilder(256 * 1024).Append("""
            <!DOCTYPE html>
            <html lang="en" dir="ltr">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex, nofollow">
            <title>Error page preview</title>
            <style>
            """).Append(Style).Append("""
            </style>
            </head>
            <body>
            <main>
            <h1>Error page preview</h1>

            """);
        html.Append("<p>Every error page this app can answer with, rendered by its own renderer, templates, texts and branding with sample ")
            .Append("values (no request data). Visitors get the <strong>").Append(e.Encode(catalog.ConfiguredTheme)).Append("</strong> theme. ")
            .Append("A GET page retries by itself; a POST page says the form was not sent again.</p>\n")
            .Append("<p>Template: the file that answers the row (a <code>layout.sbn-html</code> wraps it when there is one), or the built-in ")
            .Append("content inside the layout, or the built-in page. A page set's rows fall back to the site's templates.</p>\n")
            .Append("<p>Languages: ").Append(string.Join(", ", catalog.Languages.Select(l => "<span lang=\"" + e.Encode(l) + "\">" + e.Encode(l) + "</span>")))
            .Append(". Page sets: ").Append(catalog.PageSets.Count == 0 ? "none" : string.Join(", ", catalog.PageSets.Select(s => "<code>" + e.Encode(s) + "</code>")))
            .Append(".</p>\n")
            .Append("<p>On a page's address, <code>notice=sample</code> adds a sample notice and <code>upstream=&lt;name&gt;</code> uses a configured ")
            .Append("upstream's display name and notice.</p>\n");

        html.Append("<nav aria-label=\"Tables\">\n<ul>\n");
        for (var s = 0; s < sets.Count; s++)
        {
            foreach (var theme in catalog.Themes)
            {
                html.Append("<li><a href=\"#").Append(SectionId(s, theme)).Append("\">").Append(Heading(e, sets[s], theme, catalog)).Append("</a></li>\n");
            }
        }

        html.Append("</ul>\n</nav>\n");
        for (var s = 0; s < sets.Count; s++)
        {
            foreach (var theme in catalog.Themes)
            {
                AppendTable(html, e, catalog, self, s, sets[s], theme);
            }
        }

        return html.Append("</main>\n</body>\n</html>\n").ToString();
    }

    private static void AppendTable(StringBuilder html, HtmlEncoder e, PreviewCatalog catalog, PathString self, int index, string? set, string theme)
    {
        var id = SectionId(index, theme);
        html.Append("<section aria-labelledby=\"").Append(id).Append("\">\n<h2 id=\"").Append(id).Append("\">")
            .Append(Heading(e, set, theme, catalog)).Append("</h2>\n<table>\n<thead>\n<tr><th scope=\"col\">Error type</th><th scope=\"col\">Status</th><th scope=\"col\">Template</th>");
        foreach (var language in catalog.Languages)
        {
            html.Append("<th scope=\"col\" lang=\"").Append(e.Encode(language)).Append("\">").Append(e.Encode(language)).Append("</th>");
        }

        html.Append("</tr>\n</thead>\n<tbody>\n");
        foreach (var row in ErrorTaxonomy.All)
        {
            foreach (var status in catalog.StatusesOf(row.Type, set))
            {
                html.Append("<tr><th scope=\"row\"><code>").Append(e.Encode(row.Name)).Append("</code></th><td>").Append(status).Append("</td><td>");
                AppendTemplate(html, e, catalog.TemplateOf(row.Type, status, set));
                html.Append("</td>");
                foreach (var language in catalog.Languages)
                {
                    html.Append("<td class=\"links\">");
                    foreach (var method in (ReadOnlySpan<string>)["GET", "POST"])
                    {
                        var href = Link(self, row.Name, status, theme, language, set, method);
                        html.Append("<a href=\"").Append(e.Encode(href)).Append("\" aria-label=\"")
                            .Append(e.Encode(string.Create(CultureInfo.InvariantCulture, $"{row.Name} {status}, {language}, {method}"))).Append("\">")
                            .Append(method).Append("</a> ");
                    }

                    html.Append("</td>");
                }

                html.Append("</tr>\n");
            }
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void AppendTemplate(StringBuilder html, HtmlEncoder e, string? origin)
    {
        if (origin is null)
        {
            html.Append("built-in");
        }
        else if (PreviewCatalog.IsLayout(origin))
        {
            html.Append("built-in content in <code>").Append(e.Encode(origin)).Append("</code>");
        }
        else
        {
            html.Append("<code>").Append(e.Encode(origin)).Append("</code>");
        }
    }

    /// <summary>The address of one preview page: the gallery's own path with the page's query.</summary>
    internal static string Link(PathString self, string type, int status, string theme, string language, string? set, string method)
    {
        var query = new StringBuilder(self.ToUriComponent())
            .Append("?type=").Append(Uri.EscapeDataString(type))
            .Append("&status=").Append(status.ToString(CultureInfo.InvariantCulture))
            .Append("&theme=").Append(Uri.EscapeDataString(theme))
            .Append("&lang=").Append(Uri.EscapeDataString(language));
        if (set is not null)
        {
            query.Append("&set=").Append(Uri.EscapeDataString(set));
        }

        return query.Append("&method=").Append(method).ToString();
    }

    private static string Heading(HtmlEncoder e, string? set, string theme, PreviewCatalog catalog)
        => (set is null ? "Site templates" : "Page set <code>" + e.Encode(set) + "</code>") + ", theme " + e.Encode(theme)
            + (theme == catalog.ConfiguredTheme ? " (configured)" : "");

    private static string SectionId(int set, string theme) => "set" + set.ToString(CultureInfo.InvariantCulture) + "-" + theme;
}
