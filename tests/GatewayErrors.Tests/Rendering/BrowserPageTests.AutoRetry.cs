using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
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
    public async Task AutoRetry_OnAMapGetRoute_CountsDown_ChecksWithGet_BacksOffWhileFailing_AndReloadsOnceTheSiteAnswers()
    {
        await using var site = await FlippingSite.StartAsync(ShopRoute.MapGet);
        var page = await NewPageAsync(ColorScheme.Light);
        await using var context = page.Context;

        var response = await page.GotoAsync(site.Url("/shop/cart"));
        await PauseClockAsync(page);

        Assert.Equal(502, response!.Status);
        var line = page.Locator("[data-gw-countdown]");
        Assert.True(await line.IsVisibleAsync());
        Assert.Matches(new Regex(@"^This page checks again in ([1-9]|1[0-9]|2[0-4]) seconds, and reloads once the site works\.$"), await line.TextContentAsync());
        Assert.Equal(0, site.Checks);
        Assert.True(await page.Locator("[data-gw-pause]").IsVisibleAsync());
        Assert.Matches(new Regex(@"checks again in 2[0-4] seconds"), await LiveTextAsync(page));
        // The static advice ("Wait a minute, then reload the page.") would contradict the countdown: the script hides it.
        Assert.Equal(1, await page.Locator("[data-gw-advice]").CountAsync());
        Assert.False(await page.Locator("[data-gw-advice]").IsVisibleAsync());
        Assert.DoesNotContain("Wait a minute", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Empty(await RunAxeWithClockAsync(page));
        await ScreenshotAsync(page, "autoretry-countdown");

        // The countdown reaches zero: one GET of the same URL (routing answers a HEAD to a MapGet route with 405, whether the
        // site works or not), which still fails, so the next wait doubles (20 s → 40 s).
        await page.Clock.RunForAsync(25_000);
        await WaitUntilAsync(() => site.Checks == 1, "the first check");
        await WaitUntilAsync(async () => (await LiveTextAsync(page)).StartsWith("The site is still not working.", StringComparison.Ordinal), "the still-failing announcement");
        var next = int.Parse(Regex.Match(await LiveTextAsync(page), @"in (\d+) seconds").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(next, 40, 48);
        Assert.Equal("/shop/cart", site.LastCheckPath);
        Assert.Equal(1, site.Loads);
        Assert.Empty(await RunAxeWithClockAsync(page));
        await ScreenshotAsync(page, "autoretry-still-failing");

        // No check before the longer wait is over: no reload storm. axe ran on the page's clock (for as long as it took on a
        // busy machine), and the check may have ended inside the first run of the clock, so read what is left of the wait
        // from the countdown instead of assuming it.
        var left = int.Parse(Regex.Match(await line.TextContentAsync() ?? "", @"in (\d+) seconds").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(left, 30, 48);
        await page.Clock.RunForAsync((left - 2) * 1000);
        Assert.Equal(1, site.Checks);

        site.Failing = false;
        await page.Clock.RunForAsync(15_000);
        await WaitUntilAsync(() => site.Checks == 2, "the second check");
        await WaitUntilAsync(async () => await SafeTextAsync(page, "h1") == "Welcome back", "the reload to the working page");

        Assert.Equal(2, site.Loads);
        Assert.Equal(0, site.Heads);
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
        Assert.Equal(0, site.Checks);
        Assert.Empty(await RunAxeWithClockAsync(page));
        await ScreenshotAsync(page, "autoretry-paused");

        // Resumed: the rest of the countdown runs, then it checks.
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("Pause automatic retry", await page.Locator("[data-gw-pause]").TextContentAsync());
        await page.Clock.RunForAsync(25_000);
        await WaitUntilAsync(() => site.Checks == 1, "the check after resuming");
        await WaitUntilAsync(async () => (await LiveTextAsync(page)).StartsWith("The site is still not working.", StringComparison.Ordinal), "the still-failing announcement");

        // A hidden tab waits; it carries on when it is shown again.
        await page.EvaluateAsync("""
            () => { Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
                    document.dispatchEvent(new Event('visibilitychange')); }
            """);
        await page.Clock.RunForAsync(10 * 60_000);
        Assert.Equal(1, site.Checks);
        await page.EvaluateAsync("""
            () => { Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
                    document.dispatchEvent(new Event('visibilitychange')); }
            """);
        await page.Clock.RunForAsync(50_000);
        await WaitUntilAsync(() => site.Checks == 2, "the check once the tab is visible again");
    }

    [ChromiumFact]
    public async Task AutoRetry_OnAnMvcHttpGetAction_WhileTheUpstreamStillRefuses_SaysSo_AndGivesUpAfterMaxAttempts_WithoutReloading()
    {
        await using var site = await FlippingSite.StartAsync(ShopRoute.MvcHttpGet, ShortRetries);
        var page = await NewPausedPageAsync(ColorScheme.Light);
        await using var context = page.Context;
        var response = await page.GotoAsync(site.Url("/shop/cart"));
        Assert.Equal(502, response!.Status);

        // Each run of the clock is longer than the longest wait (6 s and 20% jitter) and shorter than two waits: one check.
        for (var check = 1; check <= 2; check++)
        {
            await page.Clock.RunForAsync(8_000);
            await WaitUntilAsync(() => site.Checks == check, $"check {check}");
            await WaitUntilAsync(async () => (await LiveTextAsync(page)).StartsWith("The site is still not working. The next check is in ", StringComparison.Ordinal), $"the still-failing announcement after check {check}");
            Assert.Equal(1, site.Loads);
        }

        await page.Clock.RunForAsync(8_000);
        await WaitUntilAsync(() => site.Checks == 3, "check 3");
        await WaitUntilAsync(async () => await LiveTextAsync(page) == "Automatic retry has stopped after 3 checks. Try again later.", "the gave-up announcement");
        Assert.Equal("Automatic retry has stopped after 3 checks. Try again later.", await page.Locator("[data-gw-countdown]").TextContentAsync());
        Assert.False(await page.Locator("[data-gw-pause]").IsVisibleAsync());
        await ScreenshotAsync(page, "autoretry-gave-up");

        await page.Clock.RunForAsync(30 * 60_000);
        Assert.Equal(3, site.Checks);
        Assert.Equal(1, site.Loads);
        Assert.Equal(0, site.Heads);
    }

    [ChromiumFact]
    public async Task AutoRetry_ASiteThatWorksForTheCheckButNotForTheReload_CountsEveryReload_AndGivesUpAfterMaxAttempts()
    {
        await using var site = await FlippingSite.StartAsync(ShopRoute.MapGet, ShortRetries);
        site.FailNavigationsOnly = true;
        var page = await NewPausedPageAsync(ColorScheme.Light);
        await using var context = page.Context;
        await page.GotoAsync(site.Url("/shop/cart"));

        // Every check works, so the page reloads, into the same failure: each reload counts against MaxAttempts (3).
        for (var check = 1; check <= 3; check++)
        {
            await WaitUntilAsync(async () => (await SafeTextAsync(page, "[data-gw-countdown]") ?? "").StartsWith("This page checks again in ", StringComparison.Ordinal), $"the countdown before check {check}");
            await page.Clock.RunForAsync(8_000);
            await WaitUntilAsync(() => site.Checks == check && site.Loads == check + 1, $"check {check} and the reload after it");
        }

        await WaitUntilAsync(async () => await SafeTextAsync(page, "[data-gw-countdown]") == "Automatic retry has stopped after 3 checks. Try again later.", "the gave-up state on the last reload");
        await WaitUntilAsync(async () => await LiveTextAsync(page) == "Automatic retry has stopped after 3 checks. Try again later.", "the gave-up announcement");
        await page.Clock.RunForAsync(30 * 60_000);
        Assert.Equal(3, site.Checks);
        Assert.Equal(4, site.Loads);

        // The visitor's own reload starts a new round.
        await page.ReloadAsync();
        await WaitUntilAsync(async () => (await SafeTextAsync(page, "[data-gw-countdown]") ?? "").StartsWith("This page checks again in ", StringComparison.Ordinal), "a new countdown after the visitor's reload");
    }

    [ChromiumFact]
    public async Task AutoRetry_Countdown_SaysOneSecondAndTwoSeconds_InEachLanguagesPluralForms()
    {
        await using var site = await FlippingSite.StartAsync(ShopRoute.MapGet, s =>
        {
            s.Configuration["GatewayErrors:AutoRetry:Delay"] = "00:00:05";
            s.Configuration["GatewayErrors:AutoRetry:MaxDelay"] = "00:00:10";
            s.Configuration["GatewayErrors:AutoRetry:MaxAttempts"] = "1";
        });

        // English has one and other; Arabic has six forms, and "two" is a word of its own (ثانيتين), with no numeral.
        foreach (var (locale, one, two, gaveUp) in new[]
        {
            ("en", "This page checks again in 1 second, and reloads once the site works.",
                "This page checks again in 2 seconds, and reloads once the site works.",
                "Automatic retry has stopped after 1 check. Try again later."),
            ("ar", "ستتحقق هذه الصفحة من الموقع مرة أخرى بعد ثانية واحدة، وستُعيد تحميل نفسها حين يعود إلى العمل.",
                "ستتحقق هذه الصفحة من الموقع مرة أخرى بعد ثانيتين، وستُعيد تحميل نفسها حين يعود إلى العمل.",
                "توقفت إعادة المحاولة التلقائية بعد محاولة تحقق واحدة. حاول مرة أخرى لاحقًا."),
        })
        {
            var page = await NewPausedPageAsync(ColorScheme.Light, locale);
            await using var context = page.Context;
            await page.GotoAsync(site.Url("/shop/" + locale));
            Assert.Equal(locale, await page.EvaluateAsync<string>("() => document.documentElement.lang"));

            // Half a second at a time: every value the countdown shows lasts a whole second, so none is skipped.
            var shown = new List<string>();
            for (var i = 0; i < 20 && !shown.Contains(one); i++)
            {
                if (await page.Locator("[data-gw-countdown]").TextContentAsync() is { } text && !shown.Contains(text))
                {
                    shown.Add(text);
                }

                await page.Clock.RunForAsync(500);
            }

            Assert.Contains(two, shown);
            Assert.Contains(one, shown);
            await page.Clock.RunForAsync(2_000);
            await WaitUntilAsync(async () => await LiveTextAsync(page) == gaveUp, $"the {locale} gave-up announcement after one check");
        }
    }

    /// <summary>The issue's settings: a 3 s first wait, 6 s at most, 3 checks.</summary>
    private static void ShortRetries(GatewayTestAppSettings s)
    {
        s.Configuration["GatewayErrors:AutoRetry:Delay"] = "00:00:03";
        s.Configuration["GatewayErrors:AutoRetry:MaxDelay"] = "00:00:06";
        s.Configuration["GatewayErrors:AutoRetry:MaxAttempts"] = "3";
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

    /// <summary>
    /// A page whose clock stands still from before it loads: a short countdown cannot run out on a busy machine between
    /// the load and the moment the test takes the clock over. Only the test moves time.
    /// </summary>
    private async Task<IPage> NewPausedPageAsync(ColorScheme scheme, string? locale = null)
    {
        var page = await NewPageAsync(scheme, locale);
        // The installed clock runs in real time until paused, and creating the page can take seconds on a busy machine:
        // pause far enough ahead that the pause is never in the clock's past (nothing on the page reads absolute time).
        await page.Clock.PauseAtAsync(ClockStart.AddMinutes(10));
        return page;
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

    private static Task<byte[]> ScreenshotAsync(IPage page, string name)
        => page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder(), name + ".png"), FullPage = true });

    /// <summary>
    /// A shop behind GatewayErrors on Kestrel: <c>/shop/…</c> calls its upstream, a port that refuses connections, while
    /// <see cref="Failing"/> is set, and answers "Welcome back" once it is not; <c>/form</c> is a page that posts to the
    /// shop. The shop is mapped the way <see cref="ShopRoute"/> says. It counts what reaches it: page loads (the browser's
    /// navigations), the page's checks (its other GETs), HEADs and POSTs.
    /// </summary>
    private sealed class FlippingSite : ShopState, IAsyncDisposable
    {
        private readonly ConcurrentQueue<(string Method, string Path, bool Navigation)> _requests = new();
        private GatewayTestApp _app = null!;
        private RefusedPort _refused = null!;

        public int Requests => _requests.Count;

        public int Heads => _requests.Count(static r => r.Method == "HEAD");

        public int Gets => _requests.Count(static r => r.Method == "GET" && r.Path.StartsWith("/shop", StringComparison.Ordinal));

        /// <summary>The page's checks: GETs of the shop that are not navigations.</summary>
        public int Checks => _requests.Count(static r => r.Method == "GET" && !r.Navigation && r.Path.StartsWith("/shop", StringComparison.Ordinal));

        /// <summary>The browser's loads of a shop page: the first one and every reload.</summary>
        public int Loads => _requests.Count(static r => r.Method == "GET" && r.Navigation && r.Path.StartsWith("/shop", StringComparison.Ordinal));

        public int Posts => _requests.Count(static r => r.Method == "POST");

        public string? LastCheckPath => _requests.LastOrDefault(static r => r.Method == "GET" && !r.Navigation).Path;

        public static async Task<FlippingSite> StartAsync(ShopRoute route = ShopRoute.AnyMethod, Action<GatewayTestAppSettings>? configure = null)
        {
            var site = new FlippingSite { _refused = await RefusedPort.StartAsync() };
            site._app = await GatewayTestApp.StartAsync(site._refused.BaseAddress, s =>
            {
                s.Kestrel = true;
                s.Configuration["GatewayErrors:AutoRetry:Delay"] = "00:00:20";
                s.Configuration["GatewayErrors:AutoRetry:MaxDelay"] = "00:00:40";
                s.Configuration["GatewayErrors:AutoRetry:MaxAttempts"] = "5";
                s.Outer = (context, next) =>
                {
                    if (context.Request.Path.StartsWithSegments("/shop"))
                    {
                        var navigation = context.Request.Headers["Sec-Fetch-Mode"] == "navigate";
                        site._requests.Enqueue((context.Request.Method, context.Request.Path.Value!, navigation));
                    }

                    return next(context);
                };
                s.Services = services =>
                {
                    services.AddSingleton<ShopState>(site);
                    if (route == ShopRoute.MvcHttpGet)
                    {
                        services.AddControllers().AddApplicationPart(typeof(ShopController).Assembly);
                    }
                };
                s.Endpoints = app =>
                {
                    app.MapGet("/form", static () => Results.Content(
                        "<!DOCTYPE html><html lang=\"en\"><head><title>Order</title></head><body><main><h1>Order</h1>"
                        + "<form method=\"post\" action=\"/shop/order\"><button type=\"submit\">Place order</button></form></main></body></html>", "text/html"));
                    switch (route)
                    {
                        case ShopRoute.AnyMethod:
                            app.Map("/shop/{**rest}", static (HttpContext context, ShopState state) => state.AnswerAsync(context));
                            break;
                        case ShopRoute.MapGet:
                            app.MapGet("/shop/{**rest}", static (HttpContext context, ShopState state) => state.AnswerAsync(context));
                            break;
                        default:
                            app.MapControllers();
                            break;
                    }
                };
                configure?.Invoke(s);
            });
            return site;
        }

        public string Url(string path) => new Uri(_app.Address!, path).ToString();

        public async ValueTask DisposeAsync()
        {
            await _app.DisposeAsync();
            await _refused.DisposeAsync();
        }
    }
}

/// <summary>How the browser tests' shop is mapped.</summary>
public enum ShopRoute
{
    /// <summary><c>app.Map</c>: every method, HEAD included.</summary>
    AnyMethod,

    /// <summary><c>app.MapGet</c>: GET only; routing answers HEAD with 405.</summary>
    MapGet,

    /// <summary>An MVC controller action with <c>[HttpGet]</c>: GET only as well.</summary>
    MvcHttpGet,
}

/// <summary>
/// What the browser tests' shop answers: while <see cref="Failing"/>, it calls its upstream (which refuses the
/// connection, so GatewayErrors answers 502); once not, "Welcome back". With <see cref="FailNavigationsOnly"/> only the
/// browser's page loads fail, and every other request works: a site that flaps between the check and the reload.
/// </summary>
public class ShopState
{
    private volatile bool _failing = true;
    private volatile bool _failNavigationsOnly;

    public bool Failing { get => _failing; set => _failing = value; }

    public bool FailNavigationsOnly { get => _failNavigationsOnly; set => _failNavigationsOnly = value; }

    public async Task<IResult> AnswerAsync(HttpContext context)
    {
        var fails = Failing && (!FailNavigationsOnly || context.Request.Headers["Sec-Fetch-Mode"] == "navigate");
        if (fails)
        {
            // The upstream refuses: the handler throws, and the middleware answers the 502 page.
            using var response = await context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("catalog")
                .GetAsync("/cart", context.RequestAborted);
        }

        return Results.Content("<!DOCTYPE html><html lang=\"en\"><head><title>Shop</title></head><body><main><h1>Welcome back</h1></main></body></html>", "text/html");
    }
}

/// <summary>The browser tests' shop as an MVC controller with a GET-only action (<see cref="ShopRoute.MvcHttpGet"/>).</summary>
[ApiController]
[Route("shop")]
public sealed class ShopController(ShopState state) : ControllerBase
{
    [HttpGet("{**rest}")]
    public Task<IResult> Get() => state.AnswerAsync(HttpContext);
}
