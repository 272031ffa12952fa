using System.Collections.Concurrent;
using GatewayErrors.Tests.Rendering;
using GatewayErrors.Tests.Upstreams;
using GatewayErrors.Yarp.Tests.TestSupport;
using Microsoft.Playwright;

namespace GatewayErrors.Yarp.Tests.Rendering;

/// <summary>
/// The page that retries by itself, in real Chromium, on a YARP route that only forwards GET (<c>Match:Methods</c>): the
/// routing answers a HEAD to it with 405 whether or not the cluster works, so only a GET can tell. The page's clock is
/// Playwright's: the test moves it, nothing waits for a real countdown.
/// </summary>
[Trait("Category", "Browser")]
public sealed class AutoRetryBrowserTests(SharedChromium chromium) : IClassFixture<SharedChromium>
{
    private const string GaveUp = "Automatic retry has stopped after 3 checks. Try again later.";

    [ChromiumFact]
    public async Task GetOnlyRoute_WhileTheClusterRefuses_ThePageChecksWithGet_SaysItStillFails_AndGivesUpWithoutReloading()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(refused.BaseAddress, s =>
        {
            s.Configuration["ReverseProxy:Routes:route1:Match:Methods:0"] = "GET";
            s.Configuration["GatewayErrors:AutoRetry:Delay"] = "00:00:03";
            s.Configuration["GatewayErrors:AutoRetry:MaxDelay"] = "00:00:06";
            s.Configuration["GatewayErrors:AutoRetry:MaxAttempts"] = "3";
        });

        // The premise: YARP's GET-only route answers HEAD with 405, which the old HEAD check took for "the site works".
        using (var head = await gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/shop/cart")))
        {
            Assert.Equal(405, (int)head.StatusCode);
        }

        var browser = await chromium.BrowserAsync();
        await using var context = await browser.NewContextAsync();
        // The clock stands still from before the page loads, so a 3-second countdown cannot run out on a busy machine
        // before the test takes it over.
        var start = new DateTime(2026, 11, 4, 9, 30, 0, DateTimeKind.Utc);
        await context.Clock.InstallAsync(new ClockInstallOptions { TimeDate = start });
        await context.Clock.PauseAtAsync(start.AddSeconds(1));
        var page = await context.NewPageAsync();
        var url = new Uri(gateway.Address, "/shop/cart").ToString();
        var requests = new ConcurrentQueue<(string Method, bool Navigation)>();
        page.Request += (_, request) =>
        {
            if (request.Url == url)
            {
                requests.Enqueue((request.Method, request.IsNavigationRequest));
            }
        };
        int Checks() => requests.Count(static r => !r.Navigation);
        int Loads() => requests.Count(static r => r.Navigation);

        var response = await page.GotoAsync(url);
        Assert.Equal(502, response!.Status);

        // Each run of the clock is longer than the longest wait (6 s and 20% jitter) and shorter than two: one check each.
        for (var check = 1; check <= 3; check++)
        {
            await page.Clock.RunForAsync(8_000);
            await WaitUntilAsync(() => Task.FromResult(Checks() == check), $"check {check}");
            var expected = check < 3 ? "The site is still not working. The next check is in " : GaveUp;
            await WaitUntilAsync(async () => (await LiveTextAsync(page)).StartsWith(expected, StringComparison.Ordinal), $"'{expected}' after check {check}");
        }

        Assert.Equal(GaveUp, await page.Locator("[data-gw-countdown]").TextContentAsync());
        await page.Clock.RunForAsync(30 * 60_000);
        Assert.Equal(3, Checks());
        Assert.Equal(1, Loads());
        Assert.All(requests, static r => Assert.Equal("GET", r.Method));
    }

    private static async Task<string> LiveTextAsync(IPage page) => await page.Locator("[data-gw-live]").TextContentAsync() ?? "";

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
}
