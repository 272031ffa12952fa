using System.Globalization;
using System.Net;
using System.Text;
using GatewayErrors;

namespace OutagePlayground;

/// <summary>The playground's index: every scenario, what it triggers, and how to ask for the other body formats.</summary>
internal static class HomePage
{
    public static string Render(HttpRequest request, GatewayErrorsOptions options)
    {
        // Self-contained on purpose: no scripts, fonts or images, so the page works offline and next to a broken upstream.
        const string Head = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Outage playground: GatewayErrors</title>
            <style>
            :root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fafafa;--muted:#52525b;--line:#d4d4d8;--link:#1d4ed8;--code:#f4f4f5}
            @media (prefers-color-scheme:dark){:root{--fg:#f4f4f5;--bg:#18181b;--muted:#b4b4bb;--line:#3f3f46;--link:#93c5fd;--code:#27272a}}
            body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
            main{max-width:60rem;margin:0 auto;padding:2.5rem 1.25rem}
            h1{font-size:1.7rem;margin:0 0 .5rem}h2{font-size:1.2rem;margin:2rem 0 .5rem}
            p{max-width:45rem}.muted{color:var(--muted)}
            a{color:var(--link)}a:focus-visible{outline:3px solid var(--link);outline-offset:2px;border-radius:2px}
            table{border-collapse:collapse;width:100%}caption{text-align:left;color:var(--muted);padding-bottom:.5rem}
            th,td{text-align:left;vertical-align:top;padding:.5rem .75rem .5rem 0;border-bottom:1px solid var(--line)}
            th{font-weight:600}th[scope=row],td.status{white-space:nowrap}
            code,pre{font-family:ui-monospace,SFMono-Regular,Consolas,monospace;font-size:.9rem}
            pre{background:var(--code);padding:.75rem 1rem;border-radius:6px;overflow-x:auto}
            .switches{display:flex;flex-wrap:wrap;gap:.75rem 1.25rem;align-items:end}.switches label{display:flex;flex-direction:column;gap:.25rem}
            select,button{font:inherit}
            </style>
            </head>
            <body>
            <main>
            <h1>Outage playground</h1>
            <p>Each link below calls a demo upstream that fails in one particular way. The endpoint does not catch
            anything: <code>UseGatewayErrors()</code> turns the failure into a 502, 503 or 504 with a
            <code>Proxy-Status</code> header (RFC 9209) and a body in the format the client asked for.</p>
            <p class="muted">The upstreams run inside this process on 127.0.0.1 and stop with it.</p>
            <table>
            <caption>Scenarios, with the status and <code>Proxy-Status</code> error each one should produce</caption>
            <thead><tr><th scope="col">Scenario</th><th scope="col">What the upstream does</th><th scope="col">Expected</th></tr></thead>
            <tbody>

            """;

        var origin = $"{request.Scheme}://{request.Host.Value}";
        var html = new StringBuilder(8192).Append(Head);
        foreach (var scenario in Scenarios.All)
        {
            var expected = scenario.ExpectedStatus.ToString(CultureInfo.InvariantCulture)
                + (scenario.ErrorType is null ? string.Empty : " " + scenario.ErrorType);
            html.Append("<tr><th scope=\"row\"><a href=\"").Append(Encode(scenario.Path)).Append("\">").Append(Encode(scenario.Path)).Append("</a></th>")
                .Append("<td>").Append(Encode(scenario.Upstream)).Append("</td>")
                .Append("<td class=\"status\"><code>").Append(Encode(expected)).Append("</code></td></tr>\n");
        }

        var example = Encode(origin + "/demo/refused");
        html.Append("</tbody>\n</table>\n");
        AppendSwitches(html, request, options);
        html
            .Append("<h2>The same failure in other formats</h2>\n")
            .Append("<p>Browsers get the HTML page. Ask for JSON to get RFC 9457 problem details, or send no <code>Accept</code> header to get plain text; ")
            .Append("<code>-i</code> shows the status line and the <code>Proxy-Status</code> header.</p>\n")
            .Append("<pre><code>curl -i -H 'Accept: application/json' ").Append(example).Append('\n')
            .Append("curl -i ").Append(example).Append("</code></pre>\n")
            .Append("<h2 id=\"stale\">Stale-if-error: the last good answer instead of an error</h2>\n")
            .Append("<p><a href=\"/stale/inventory\">/stale/inventory</a> calls an upstream that can be broken on purpose. It opts in with ")
            .Append("<code>WithStaleIfError()</code>: once it has answered, breaking the upstream makes it answer its last good response, ")
            .Append("with <code>Age</code>, <code>Cache-Status</code> and a <code>Proxy-Status</code> naming the failure, instead of a 503.</p>\n")
            .Append("<form method=\"post\" action=\"/stale/break\"><button>Break the inventory upstream</button></form>\n")
            .Append("<form method=\"post\" action=\"/stale/fix\"><button>Fix it</button></form>\n")
            .Append("<pre><code>curl -i ").Append(Encode(origin + "/stale/inventory")).Append('\n')
            .Append("curl -X POST ").Append(Encode(origin + "/stale/break")).Append('\n')
            .Append("curl -i ").Append(Encode(origin + "/stale/inventory")).Append("</code></pre>\n")
            .Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The theme, language and Production-view switches (PlaygroundSwitches.cs), showing what is in effect now.</summary>
    private static void AppendSwitches(StringBuilder html, HttpRequest request, GatewayErrorsOptions options)
    {
        var production = options.ExposeDetails != true;
        var language = PlaygroundSwitches.ChosenLanguage(request);
        html.Append("<h2 id=\"switches\">Switches: theme, language, Production view</h2>\n")
            .Append("<p>They apply to the next error page, without a restart. The theme and the view are the app's options ")
            .Append("(<code>GatewayErrors:Theme</code>, <code>GatewayErrors:ExposeDetails</code>), reloaded from a configuration source of the playground's ")
            .Append("own, so they change for every visitor; the language is yours alone, a cookie read by <code>UseRequestLocalization()</code>.</p>\n")
            .Append("<form method=\"post\" action=\"/switches\" class=\"switches\">\n")
            .Append("<label>Theme <select name=\"theme\">");
        foreach (var theme in PlaygroundSwitches.Themes)
        {
            html.Append("<option value=\"").Append(Encode(theme)).Append('"')
                .Append(string.Equals(theme, options.Theme, StringComparison.OrdinalIgnoreCase) ? " selected" : "")
                .Append('>').Append(Encode(theme)).Append("</option>");
        }

        html.Append("</select></label>\n<label>Language <select name=\"language\"><option value=\"\"")
            .Append(language is null ? " selected" : "").Append(">The browser's (Accept-Language)</option>");
        foreach (var (tag, name) in PlaygroundSwitches.Languages)
        {
            html.Append("<option value=\"").Append(Encode(tag)).Append("\" lang=\"").Append(Encode(tag)).Append('"')
                .Append(tag == language ? " selected" : "")
                .Append('>').Append(Encode(name)).Append(" (").Append(Encode(tag)).Append(")</option>");
        }

        html.Append("</select></label>\n<label>View <select name=\"view\">")
            .Append("<option value=\"development\"").Append(production ? "" : " selected").Append(">Development: next hop, exception, advice for the owner</option>")
            .Append("<option value=\"production\"").Append(production ? " selected" : "").Append(">Production: what a visitor sees, no hosts, IPs, ports or exceptions</option>")
            .Append("</select></label>\n<button>Apply</button>\n</form>\n")
            .Append("<pre><code>curl -d theme=console -d view=production ").Append(Encode($"{request.Scheme}://{request.Host.Value}/switches")).Append("</code></pre>\n");
    }

    private static string Encode(string value) => WebUtility.HtmlEncode(value);
}
