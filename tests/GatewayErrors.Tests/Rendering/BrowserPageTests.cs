using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// Loads every built-in theme, in light and dark, for every error type, in real headless Chromium over real HTTP
/// (Kestrel on 127.0.0.1), runs axe-core on each page and saves screenshots to <c>artifacts/screenshots</c>.
/// </summary>
/// <remarks>
/// Needs Debian's Chromium (<c>apt-get install -y chromium</c>); Playwright drives it and downloads no browser.
/// Without it the test fails when <c>CI=true</c> and is skipped, with a message saying why, on a developer machine.
/// </remarks>
[Trait("Category", "Browser")]
public sealed partial class BrowserPageTests(ITestOutputHelper output, SharedChromium chromium) : IClassFixture<SharedChromium>
{
    [ChromiumFact]
    public async Task EveryTheme_LightAndDark_EveryErrorType_HasNoAxeViolations_AndMakesNoRequests()
    {
        var screenshots = ScreenshotFolder();
        var stopwatch = Stopwatch.StartNew();
        var browser = await chromium.BrowserAsync();
        var axe = chromium.Axe;
        var violations = new List<string>();
        var pages = 0;
        foreach (var theme in BuiltInTemplates.ThemeNames)
        {
            // Development with branding: the owner section, links and a logo are on the page, so axe sees all the markup.
            await using var host = await PageHost.StartAsync(
                options =>
                {
                    options.Theme = theme;
                    Brand(options);
                },
                environment: "Development",
                kestrel: true);
            var address = host.Address!;
            Assert.Equal("127.0.0.1", address.Host);

            // Light and dark run side by side: Chromium renders each context in its own process.
            var results = await Task.WhenAll(new[] { ColorScheme.Light, ColorScheme.Dark }.Select(scheme => CheckSchemeAsync(browser, axe, theme, scheme, address, screenshots)));
            foreach (var (checkedPages, found) in results)
            {
                pages += checkedPages;
                violations.AddRange(found);
            }
        }

        output.WriteLine($"Checked {pages} pages with axe-core in {stopwatch.Elapsed.TotalSeconds:F1} s; screenshots in {screenshots}");
        Assert.True(violations.Count == 0, "axe-core found violations:\n" + string.Join("\n", violations));
    }

    private static async Task<(int Pages, List<string> Violations)> CheckSchemeAsync(
        IBrowser browser, string axe, string theme, ColorScheme scheme, Uri address, string screenshots)
    {
        var violations = new List<string>();
        var pages = 0;
        var schemeName = scheme == ColorScheme.Dark ? "dark" : "light";
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ColorScheme = scheme,
            ViewportSize = new ViewportSize { Width = 1100, Height = 900 },
        });
        await context.AddInitScriptAsync(axe);
        var page = await context.NewPageAsync();
        var foreign = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(address.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                foreign.Add(request.Url);
            }
        };

        foreach (var type in Enum.GetValues<GatewayErrorType>())
        {
            var retry = type == GatewayErrorType.DestinationUnavailable ? "&retry=45" : "";
            var response = await page.GotoAsync(new Uri(address, $"/orders/42?type={type}{retry}").ToString());
            Assert.NotNull(response);
            Assert.InRange(response.Status, 500, 599);
            pages++;
            violations.AddRange((await RunAxeAsync(page)).Select(v => $"{theme}/{schemeName}/{type}: {v}"));

            if (type is GatewayErrorType.ConnectionRefused or GatewayErrorType.HttpResponseTimeout or GatewayErrorType.DestinationUnavailable
                or GatewayErrorType.ConnectionLimitReached)
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, $"{theme}-{schemeName}-{type}.png"), FullPage = true });
            }
        }

        // A phone-sized screenshot per theme and scheme, to see the responsive layout.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(new Uri(address, "/orders/42?type=ConnectionTimeout").ToString());
        violations.AddRange((await RunAxeAsync(page)).Select(v => $"{theme}/{schemeName}/mobile: {v}"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, $"{theme}-{schemeName}-mobile.png"), FullPage = true });

        Assert.True(foreign.Count == 0, $"{theme}/{schemeName} made requests beyond the page itself: {string.Join(", ", foreign)}");

        return (pages, violations);
    }

    /// <summary>Runs every axe-core rule (WCAG A/AA and best practices) and returns one line per violation.</summary>
    private static async Task<IReadOnlyList<string>> RunAxeAsync(IPage page)
    {
        var result = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { resultTypes: ['violations'] })).violations.map(v =>
                `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(' | ')}`)
            """);
        return result.EnumerateArray().Select(static v => v.GetString()!).ToList();
    }

    /// <summary>Every branding option and a notice, so the page carries all the markup axe should see.</summary>
    private static void Brand(GatewayErrorsOptions options)
    {
        options.Branding.SiteName = "Example Shop";
        options.Branding.SupportUrl = new Uri("https://support.example.com/contact");
        options.Branding.SupportEmail = "help@example.com";
        options.Branding.StatusPageUrl = new Uri("https://status.example.com/");
        options.Branding.LogoUrl = new Uri(LogoDataUri);
        options.Notice.Message = "We are deploying a new version of the catalog.";
        options.Notice.Since = new DateTimeOffset(2026, 11, 4, 9, 5, 0, TimeSpan.Zero);
        options.Notice.Url = new Uri("https://status.example.com/incidents/42");
    }

    // A small inline SVG: a logo that makes no request, the way the docs recommend configuring one.
    private const string LogoDataUri =
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Crect width='24' height='24' rx='6' fill='%232563eb'/%3E%3Cpath d='M7 12h10M12 7v10' stroke='white' stroke-width='3'/%3E%3C/svg%3E";

    private static string ScreenshotFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GatewayErrors.sln")))
        {
            directory = directory.Parent;
        }

        var folder = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
