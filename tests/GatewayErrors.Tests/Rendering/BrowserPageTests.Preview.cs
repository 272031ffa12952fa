using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// The error-page preview of a team's layout and page that use every built-in piece one by one, in real Chromium with
/// axe: what the preview shows is what visitors get, so its pages must be as accessible as the built-in ones. The gallery
/// is checked too.
/// </summary>
public sealed partial class BrowserPageTests
{
    // The layout wraps the built-in content (gw-content) for 503 and 504; the 502 page rebuilds it from the pieces.
    private static readonly (string Name, string Text)[] EveryPieceTemplates =
    [
        ("layout.sbn-html", """
            <!DOCTYPE html>
            <html lang="{{ lang }}" dir="{{ dir }}">
            <head>
            {{ include 'gw-head' }}
            </head>
            <body class="gw gw-theme-{{ theme }}">
            {{ include 'gw-header' }}
            <main class="gw-wrap">
            {{ body }}
            </main>
            <footer class="gw-wrap"><p>{{ site_name }}</p></footer>
            </body>
            </html>
            """),
        ("502.sbn-html", """
            <p class="gw-code">{{ text.error }} {{ status_code }} <span lang="en">{{ reason_phrase }}</span></p>
            <h1>{{ title }}</h1>
            <p class="gw-lead">{{ summary }}</p>
            {{ include 'gw-notice' -}}
            {{ include 'gw-retry' -}}
            {{ include 'gw-hops' }}
            <div class="gw-cols">
            {{ include 'gw-happened' }}
            {{ include 'gw-actions' }}
            </div>
            {{ include 'gw-owner' -}}
            {{ include 'gw-reference' }}
            """),
    ];

    [ChromiumFact]
    public async Task Preview_CustomLayoutWithEveryBuiltInPiece_EveryTheme_HasNoAxeViolations()
    {
        using var root = PageHost.ContentRoot(EveryPieceTemplates);
        await using var app = await GatewayTestApp.StartAsync(s =>
        {
            s.Environment = "Development";
            s.Kestrel = true;
            s.ContentRoot = root.Path;
            s.Options = static options =>
            {
                options.TemplatesPath = "templates";
                Brand(options);
            };
            s.Endpoints = static endpoints => endpoints.MapGatewayErrorsPreview();
        });
        var browser = await chromium.BrowserAsync();
        var violations = new List<string>();
        var pages = 0;
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ColorScheme = scheme, ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
            await context.AddInitScriptAsync(chromium.Axe);
            var page = await context.NewPageAsync();
            foreach (var theme in BuiltInTemplates.ThemeNames)
            {
                foreach (var (language, method) in new[] { ("en", "GET"), ("ar", "POST") })
                {
                    // 502: the team's page built from the pieces; 503 and 504: the layout around the built-in content.
                    foreach (var type in new[] { "connection_refused", "destination_unavailable", "http_response_timeout" })
                    {
                        var where = $"{theme}/{scheme}/{language}/{method}/{type}";
                        var response = await page.GotoAsync(new Uri(app.Address!, $"/_gateway/error-pages?type={type}&theme={theme}&lang={language}&method={method}").ToString());
                        Assert.Equal(200, response!.Status);
                        Assert.Equal(language, await page.GetAttributeAsync("html", "lang"));
                        Assert.Equal("gw gw-theme-" + theme, await page.GetAttributeAsync("body", "class"));
                        Assert.Equal(1, await page.Locator(".gw-hops").CountAsync());
                        Assert.Equal(1, await page.Locator(".gw-owner, #gw-owner-h").First.CountAsync());
                        pages++;
                        violations.AddRange((await RunAxeAsync(page)).Select(v => $"{where}: {v}"));
                    }
                }
            }
        }

        // The gallery itself: a person finds the pages through it.
        await using (var galleryContext = await browser.NewContextAsync())
        {
            await galleryContext.AddInitScriptAsync(chromium.Axe);
            var gallery = await galleryContext.NewPageAsync();
            var response = await gallery.GotoAsync(new Uri(app.Address!, "/_gateway/error-pages").ToString());
            Assert.Equal(200, response!.Status);
            violations.AddRange((await RunAxeAsync(gallery)).Select(v => $"gallery: {v}"));
        }

        output.WriteLine($"Checked {pages} preview pages and the gallery with axe-core.");
        Assert.True(violations.Count == 0, "axe-core found violations:\n" + string.Join("\n", violations));
    }
}
