using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// The page that retries by itself, in real Chromium against a real Kestrel app whose answer the test flips. The page's
/// clock is Playwright's: the test moves time forward instead of waiting for it, so a 20-second countdown takes no time
/// and nothing races.
/// </summary>
public sealed partial class BrowserPageTests
{
    private static readonly DateTime ClockStart = new(2026, 11, 4, 9, 30, 0, DateTimeKind.Utc);

    [ChromiumFact]
    public async Task AutoRetry_CountsDown_Probes_BacksOffWhileFailing_AndReloadsOnceTheSiteAnswers()
    {
        await using var site = await FlippingSite.StartAsync();
        var page = await NewPageAsync(ColorScheme.Light);
        await using var context = page.Context;

        var response = await page.GotoAsync(site.Url("/shop/cart"));
        await PauseClockAsync(page);

        Assert.Equal(502, response!.Status);
        var line = page.Locator("[data-gw-countdown]");
        Assert.True(await line.IsVisibleAsync());
        Assert.Matches(new Regex(@"^This page checks again in ([1-9]|1[0-9]|2[0-4]) seconds, and reloads once the site works\.$"), await line.TextContentAsync());
        Assert.Equal(0, site.Heads);
        Assert.True(await page.Locator("[data-gw-pause]").IsVisibleAsync());
        Assert.Matches(new Regex(@"checks again in 2[0-4] seconds"), await LiveTextAsync(page));
        Assert.Empty(await RunAxeWithClockAsync(page));
        await ScreenshotAsync(page, "autoretry-countdown");

        // The countdown reaches zero: one HEAD of the same URL, which still fails, so the next wait doubles (20 s → 40 s).
        await page.Clock.RunForAsync(25_000);
        await WaitUntilAsync(() => site.Heads == 1, "the first check");
        await WaitUntilAsync(async () => (await LiveTextAsync(page)).StartsWith("The site is still not working.", StringComparison.Ordinal), "the still-failing announcement");
        var next = int.Parse(Regex.Match(await LiveTextAsync(page), @"in (\d+) seconds").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(next, 40, 48);
        Assert.Equal("/shop/cart", site.LastHeadPath);
        Assert.Empty(await RunAxeWithClockAsync(page));
        await ScreenshotAsync(page, "autoretry-still-failing");

        // No check before the longer wait is over: no reload storm. axe ran on the page's clock (for as long as it took on a
        // busy machine), and the check may have ended inside the first run of the clock, so read what is left of the wait
        // from the countdown instead of assuming it.
        var left = int.Parse(Regex.Match(await line.TextContentAsync() ?? "", @"in (\d+) seconds").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(left, 30, 48);
        await page.Clock.RunForAsync((left - 2) * 1000);
        Assert.Equal(1, site.Heads);

        site.Failing = false;
        await page.Clock.RunForAsync(15_000);
        await WaitUntilAsync(() => site.Heads == 2, "the second check");
        await WaitUntilAsync(async () => await SafeTextAsync(page, "h1") == "Welcome back", "the reload to the working page");

        Assert.Equal(2, site.Gets);
        Assert.Equal(page.Url, site.Url("/shop/cart"));
        await ScreenshotAsync(page, "autoretry-reloaded");
    }

    [ChromiumFact]
    public async Task AutoRetry_PauseControl_IsKeyboardReachable_AndStopsTheChecks_AndAHiddenTabWaits()
    {
        await using var site = await FlippingSite.StartAsync();
        var page = await NewPageAsync(ColorScheme.Dark);
        await using var context = page.Context;
        await page.GotoAsync(site.Url("/shop/cart"));
        await PauseClockAsync(page);

        // Reached with the keyboard alone, and worked with it.
        var reached = false;
        for (var i = 0; i < 12 && !reached; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached = await page.EvaluateAsync<bool>("() => document.activeElement && document.activeElement.hasAttribute('data-gw-pause')");
        }

        Assert.True(reached, "the pause control is not reachable with Tab");
        await page.Keyboard.PressAsync("Enter");

        Assert.Equal("Resume automatic retry", await page.Locator("[data-gw-pause]").TextContentAsync());
        Assert.Equal("Automatic retry is paused.", await page.Locator("[data-gw-countdown]").TextContentAsync());
        Assert.Equal("Automatic retry is paused.", await LiveTextAsync(page));
        await page.Clock.RunForAsync(10 * 60_000);
        Assert.Equal(0, site.Heads);
        Assert.Empty(await RunAxeWithClockAsync(page));
        await ScreenshotAsync(page, "autoretry-paused");

        // Resumed: the rest of the countdown runs, then it checks.
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("Pause automatic retry", await page.Locator("[data-gw-pause]").TextContentAsync());
        await page.Clock.RunForAsync(25_000);
        await WaitUntilAsync(() => site.Heads == 1, "the check after resuming");
        await WaitUntilAsync(async () => (await LiveTextAsync(page)).StartsWith("The site is still not working.", StringComparison.Ordinal), "the still-failing announcement");

        // A hidden tab waits; it carries on when it is shown again.
        await page.EvaluateAsync("""
            () => { Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
                    document.dispatchEvent(new Event('visibilitychange')); }
            """);
        await page.Clock.RunForAsync(10 * 60_000);
        Assert.Equal(1, site.Heads);
        await page.EvaluateAsync("""
            () => { Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
                    document.dispatchEvent(new Event('visibilitychange')); }
            """);
        await page.Clock.RunForAsync(50_000);
        await WaitUntilAsync(() => site.Heads == 2, "the check once the tab is visible again");
    }

    [ChromiumFact]
    public async Task AutoRetry_NeverForAPost_ThePageSaysSo_AndGoesBack()
    {
        await using var site = await FlippingSite.StartAsync();
        var page = await NewPageAsync(ColorScheme.Light);
        await using var context = page.Context;
        await page.GotoAsync(site.Url("/form"));
        await page.ClickAsync("button[type=submit]");
        await WaitUntilAsync(async () => await SafeTextAsync(page, "h1") == "Upstream service refused the connection", "the error page for the POST");
        await PauseClockAsync(page);
        var requestsBefore = site.Requests;

        Assert.Equal(1, site.Posts);
        Assert.Contains("does not reload by itself", await page.Locator("[data-gw-retry]").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("[data-gw-countdown]").CountAsync());
        await page.Clock.RunForAsync(30 * 60_000);
        Assert.Equal(requestsBefore, site.Requests);
        Assert.Equal(1, site.Posts);
        Assert.Empty(await RunAxeWithClockAsync(page));
        await ScreenshotAsync(page, "autoretry-post-not-resent");

        var back = page.Locator("[data-gw-back]");
        Assert.True(await back.IsVisibleAsync());
        await back.ClickAsync();
        await WaitUntilAsync(() => Task.FromResult(page.Url == site.Url("/form")), "going back to the form");
        Assert.Equal(1, site.Posts);
    }

    private async Task<IPage> NewPageAsync(ColorScheme scheme, string? locale = null)
    {
        var browser = await chromium.BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ColorScheme = scheme,
            ViewportSize = new ViewportSize { Width = 1100, Height = 900 },
            Locale = locale,
        });
        await context.AddInitScriptAsync(chromium.Axe);
        await context.Clock.InstallAsync(new ClockInstallOptions { TimeDate = ClockStart });
        return await context.NewPageAsync();
    }

    /// <summary>Stops the page's clock where it is now: from here on, only the test moves time.</summary>
    private static async Task PauseClockAsync(IPage page)
    {
        var now = await page.EvaluateAsync<long>("() => Date.now()");
        await page.Clock.PauseAtAsync(DateTimeOffset.FromUnixTimeMilliseconds(now + 1000).UtcDateTime);
    }

    /// <summary>axe-core waits on timers of its own: let the page's clock run while it checks, then stop it again.</summary>
    private static async Task<IReadOnlyList<string>> RunAxeWithClockAsync(IPage page)
    {
        await page.Clock.ResumeAsync();
        var violations = await RunAxeAsync(page);
        var now = await page.EvaluateAsync<long>("() => Date.now()");
        await page.Clock.PauseAtAsync(DateTimeOffset.FromUnixTimeMilliseconds(now + 1000).UtcDateTime);
        return violations;
    }

    private static Task<string> LiveTextAsync(IPage page) => page.Locator("[data-gw-live]").TextContentAsync().ContinueWith(static t => t.Result ?? "", TaskScheduler.Default);

    private static async Task<string?> SafeTextAsync(IPage page, string selector)
    {
        try
        {
            return await page.EvaluateAsync<string?>("s => document.querySelector(s) && document.querySelector(s).textContent", selector);
        }
        catch (PlaywrightException)
        {
            // Navigating: the old document is gone and the new one not ready yet.
            return null;
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    /// <summary>Polls until <paramref name="condition"/> holds; real time only bounds the wait, it never decides the outcome.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(25);
        }
    }

    private static Task ScreenshotAsync(IPage page, string name)
        => page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder(), name + ".png"), FullPage = true });

    /// <summary>
    /// A shop behind GatewayErrors on Kestrel: <c>/shop/…</c> fails with a refused connection while <see cref="Failing"/>
    /// is set, and answers "Welcome back" once it is not; <c>/form</c> is a page that posts to the shop. It counts what
    /// reaches it, by method.
    /// </summary>
    private sealed class FlippingSite : IAsyncDisposable
    {
        private readonly ConcurrentQueue<(string Method, string Path)> _requests = new();
        private GatewayTestApp _app = null!;

        public volatile bool Failing = true;

        public int Requests => _requests.Count;

        public int Heads => _requests.Count(static r => r.Method == "HEAD");

        public int Gets => _requests.Count(static r => r.Method == "GET" && r.Path.StartsWith("/shop", StringComparison.Ordinal));

        public int Posts => _requests.Count(static r => r.Method == "POST");

        public string? LastHeadPath => _requests.LastOrDefault(static r => r.Method == "HEAD").Path;

        public static async Task<FlippingSite> StartAsync()
        {
            var site = new FlippingSite();
            site._app = await GatewayTestApp.StartAsync(s =>
            {
                s.Kestrel = true;
                s.Configuration["GatewayErrors:AutoRetry:Delay"] = "00:00:20";
                s.Configuration["GatewayErrors:AutoRetry:MaxDelay"] = "00:00:40";
                s.Configuration["GatewayErrors:AutoRetry:MaxAttempts"] = "5";
                s.Outer = (context, next) =>
                {
                    if (context.Request.Path.StartsWithSegments("/shop"))
                    {
                        site._requests.Enqueue((context.Request.Method, context.Request.Path.Value!));
                    }

                    return next(context);
                };
                s.Endpoints = app =>
                {
                    app.MapGet("/form", static () => Results.Content(
                        "<!DOCTYPE html><html lang=\"en\"><head><title>Order</title></head><body><main><h1>Order</h1>"
                        + "<form method=\"post\" action=\"/shop/order\"><button type=\"submit\">Place order</button></form></main></body></html>", "text/html"));
                    app.Map("/shop/{**rest}", (HttpContext context) =>
                    {
                        if (site.Failing)
                        {
                            throw new UpstreamFailureException(new UpstreamFailure("catalog", GatewayErrorType.ConnectionRefused));
                        }

                        return Results.Content("<!DOCTYPE html><html lang=\"en\"><head><title>Shop</title></head><body><main><h1>Welcome back</h1></main></body></html>", "text/html");
                    });
                };
            });
            return site;
        }

        public string Url(string path) => new Uri(_app.Address!, path).ToString();

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
