using System.Text.Json;
using Microsoft.Playwright;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// The pages in Arabic (right to left) and Japanese, in real Chromium: axe in light and dark, and the hop diagram measured
/// in the browser, left to right and right to left, so a mirroring mistake shows up as numbers rather than in a screenshot
/// nobody looks at.
/// </summary>
public sealed partial class BrowserPageTests
{
    // The failed hop decides the links drawn: a broken connection (dashed red), an upstream that answered with an error
    // (a plain line), and the site holding the request back (the upstream not contacted, dotted).
    private static readonly GatewayErrorType[] LinkStates =
        [GatewayErrorType.ConnectionRefused, GatewayErrorType.UpstreamServerError, GatewayErrorType.ConnectionLimitReached];

    [ChromiumFact]
    public async Task ArabicAndJapanese_EveryTheme_LightAndDark_HaveNoAxeViolations()
    {
        var browser = await chromium.BrowserAsync();
        var violations = new List<string>();
        foreach (var theme in BuiltInTemplates.ThemeNames)
        {
            await using var host = await StartLocalizedHostAsync(theme);
            foreach (var (language, dir, title) in new[] { ("ar", "rtl", "رفضت الخدمة الخلفية الاتصال"), ("ja", "ltr", "背後のサービスが接続を拒否しました") })
            {
                foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
                {
                    var schemeName = scheme == ColorScheme.Dark ? "dark" : "light";
                    await using var context = await NewContextAsync(browser, scheme, language);
                    var page = await context.NewPageAsync();

                    // A 502 that retries by itself (the countdown is on the page while axe runs), and a 503 with Retry-After.
                    foreach (var (type, retry) in new[] { (GatewayErrorType.ConnectionRefused, ""), (GatewayErrorType.DestinationUnavailable, "&retry=45") })
                    {
                        var response = await page.GotoAsync(new Uri(host.Address!, $"/orders/42?type={type}{retry}").ToString());
                        Assert.Equal(language, await response!.HeaderValueAsync("content-language"));
                        Assert.Equal(language, await page.GetAttributeAsync("html", "lang"));
                        Assert.Equal(dir, await page.GetAttributeAsync("html", "dir"));
                        violations.AddRange((await RunAxeAsync(page)).Select(v => $"{theme}/{schemeName}/{language}/{type}: {v}"));
                        if (type == GatewayErrorType.ConnectionRefused)
                        {
                            Assert.Equal(title, await page.TextContentAsync("h1"));
                            await ScreenshotAsync(page, $"{theme}-{schemeName}-{language}");
                        }
                    }
                }
            }
        }

        Assert.True(violations.Count == 0, "axe-core found violations:\n" + string.Join("\n", violations));
    }

    [ChromiumFact]
    public async Task RightToLeft_HopDiagram_MirrorsInEveryTheme_AndStaysInsideItsCard()
    {
        var browser = await chromium.BrowserAsync();
        var problems = new List<string>();
        foreach (var theme in BuiltInTemplates.ThemeNames)
        {
            await using var host = await StartLocalizedHostAsync(theme);
            foreach (var language in new[] { "en", "ar" })
            {
                await using var context = await NewContextAsync(browser, ColorScheme.Light, language);
                var page = await context.NewPageAsync();
                foreach (var width in new[] { 1100, 390 })
                {
                    await page.SetViewportSizeAsync(width, 900);
                    foreach (var type in LinkStates)
                    {
                        await page.GotoAsync(new Uri(host.Address!, $"/orders/42?type={type}").ToString());
                        var where = $"{theme}/{language}/{width}px/{type}";
                        var diagram = await MeasureHopsAsync(page);
                        Assert.Equal(language == "ar" ? "rtl" : "ltr", diagram.Dir);
                        problems.AddRange(CheckHops(theme, diagram).Select(p => $"{where}: {p}"));

                        // The console theme writes the broken link in words, in the page's language; the others draw it.
                        var linkText = page.Locator(".gw-link-text");
                        Assert.Equal(type == GatewayErrorType.ConnectionRefused ? 1 : 0, await linkText.CountAsync());
                        if (type == GatewayErrorType.ConnectionRefused)
                        {
                            Assert.Equal(language == "ar" ? "فشل الاتصال" : "link failed", await linkText.TextContentAsync());
                            Assert.Equal(theme == "console", await linkText.IsVisibleAsync());
                        }
                        if (type == GatewayErrorType.ConnectionRefused)
                        {
                            await page.Locator(".gw-hops").ScreenshotAsync(new LocatorScreenshotOptions
                            {
                                Path = Path.Combine(ScreenshotFolder(), $"hops-{theme}-{diagram.Dir}-{width}.png"),
                            });
                        }
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, "The hop diagram is not laid out in reading order:\n" + string.Join("\n", problems));
    }

    /// <summary>What a visitor sees of the diagram, in reading order, given the page's direction.</summary>
    private static IEnumerable<string> CheckHops(string theme, HopDiagram diagram)
    {
        const double Tolerance = 1.5;
        var rtl = diagram.Dir == "rtl";
        var card = diagram.Card;
        if (diagram.ScrollWidth > diagram.ClientWidth)
        {
            yield return $"the page scrolls sideways ({diagram.ScrollWidth} > {diagram.ClientWidth} px)";
        }

        for (var i = 0; i < diagram.Hops.Length; i++)
        {
            var hop = diagram.Hops[i];
            var boxes = hop.Parts.Select(static p => (p.What, p.Box)).Append(("hop", hop.Box));
            if (hop.Line is { } drawn)
            {
                boxes = boxes.Append(("connecting line", drawn));
            }

            foreach (var (what, box) in boxes)
            {
                if (box.Left < card.Left - Tolerance || box.Right > card.Right + Tolerance)
                {
                    yield return $"hop {i}'s {what} ({box.Left:F1}–{box.Right:F1}) is outside the card ({card.Left:F1}–{card.Right:F1})";
                }
            }

            if (i == 0)
            {
                continue;
            }

            var previous = diagram.Hops[i - 1];
            if (theme == "console")
            {
                // One row per hop, top to bottom; the status column comes first in reading order.
                if (hop.Box.Top < previous.Box.Bottom - Tolerance)
                {
                    yield return $"hop {i} is not below hop {i - 1}";
                }

                var icon = hop.Parts.Single(p => p.What == "icon").Box;
                var name = hop.Parts.Single(p => p.What == "name").Box;
                if (rtl ? icon.Left < name.Right - Tolerance : icon.Right > name.Left + Tolerance)
                {
                    yield return $"hop {i}'s status ({icon.Left:F1}–{icon.Right:F1}) is not before its name ({name.Left:F1}–{name.Right:F1}) in reading order";
                }

                continue;
            }

            // Side by side: each hop follows the previous one in reading order, to the right in English, to the left in
            // Arabic, unless it wrapped onto the next line (the minimal theme wraps on a phone).
            var (at, before) = (Center(hop.Anchor), Center(previous.Anchor));
            var wrapped = hop.Anchor.Top >= previous.Anchor.Bottom - Tolerance;
            if (!wrapped && (rtl ? at >= before : at <= before))
            {
                yield return $"hop {i} (at {at:F1}) is not {(rtl ? "left" : "right")} of hop {i - 1} (at {before:F1})";
            }

            if (theme == "default")
            {
                // The line joins the centres of the two icons, whatever the direction.
                if (hop.Line is not { } line)
                {
                    yield return $"hop {i} has no connecting line";
                }
                else if (Math.Abs(line.Left - Math.Min(at, before)) > Tolerance || Math.Abs(line.Right - Math.Max(at, before)) > Tolerance)
                {
                    yield return $"hop {i}'s connecting line runs {line.Left:F1}–{line.Right:F1}, not between the icons at {Math.Min(at, before):F1} and {Math.Max(at, before):F1}";
                }

                continue;
            }

            // Text arrows: forwards in reading order; a link not attempted is dots, which have no direction.
            var (forwards, backwards) = rtl ? ('\u2190', '\u2192') : ('\u2192', '\u2190');
            if (hop.Arrow is not { } arrow || arrow.Contains(backwards) || (hop.Link != "none" && !arrow.Contains(forwards)))
            {
                yield return $"hop {i}'s arrow {hop.Arrow} does not point {(rtl ? "left" : "right")}";
            }
        }

        static double Center(Box box) => (box.Left + box.Right) / 2;
    }

    private static async Task<HopDiagram> MeasureHopsAsync(IPage page)
    {
        var json = await page.EvaluateAsync<JsonElement>("""
            () => {
              const box = r => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom });
              const card = document.querySelector('.gw-hops');
              const hops = [...card.querySelectorAll('.gw-hop')].map(li => {
                const r = li.getBoundingClientRect();
                const s = getComputedStyle(li, '::before');
                // An absolutely positioned ::before is the connecting line: its used offsets say where it is drawn.
                const line = s.content !== 'none' && s.position === 'absolute'
                  ? { left: r.left + parseFloat(s.left) + parseFloat(s.marginLeft), right: r.left + parseFloat(s.left) + parseFloat(s.marginLeft) + parseFloat(s.width), top: 0, bottom: 0 }
                  : null;
                const parts = [['icon', '.gw-icon'], ['name', '.gw-name'], ['description', '.gw-desc'], ['state', '.gw-state']]
                  .map(([what, selector]) => [what, li.querySelector(selector)])
                  .filter(([, e]) => e && e.getClientRects().length > 0)
                  .map(([what, e]) => ({ what, box: box(e.getBoundingClientRect()) }));
                const shown = parts.find(p => p.what === 'icon') || parts.find(p => p.what === 'name');
                // A copy: Playwright sends an object met twice as a reference, which does not deserialize.
                return { box: box(r), anchor: { ...shown.box }, link: (li.className.match(/gw-link-(\w+)/) || [])[1], line,
                         arrow: s.content === 'none' ? null : s.content, parts };
              });
              return { dir: document.documentElement.dir, card: box(card.getBoundingClientRect()), hops,
                       scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth };
            }
            """);
        return json.Deserialize<HopDiagram>(JsonOptions)!;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static Task<PageHost> StartLocalizedHostAsync(string theme) => PageHost.StartAsync(
        options =>
        {
            options.Theme = theme;
            options.Branding.SiteName = "Example Shop";
            options.Branding.SupportUrl = new Uri("https://support.example.com/contact");
            options.Branding.StatusPageUrl = new Uri("https://status.example.com/");
            options.Branding.LogoUrl = new Uri(LogoDataUri);
            options.Notice.Message = "We are deploying a new version of the catalog.";
            options.Notice.Since = new DateTimeOffset(2026, 11, 4, 9, 5, 0, TimeSpan.Zero);
        },
        kestrel: true);

    private async Task<IBrowserContext> NewContextAsync(IBrowser browser, ColorScheme scheme, string language)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ColorScheme = scheme,
            ViewportSize = new ViewportSize { Width = 1100, Height = 900 },
            Locale = language,
        });
        await context.AddInitScriptAsync(chromium.Axe);
        return context;
    }

    private sealed record HopDiagram(string Dir, Box Card, Hop[] Hops, double ScrollWidth, double ClientWidth);

    private sealed record Hop(Box Box, Box Anchor, string Link, Box? Line, string? Arrow, Part[] Parts);

    private sealed record Part(string What, Box Box);

    private sealed record Box(double Left, double Right, double Top, double Bottom);
}
