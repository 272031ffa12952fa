using System.Text;
using AngleSharp.Dom;

namespace GatewayErrors.Tests.Rendering;

public class BuiltInThemeTests
{
    public static TheoryData<string> Themes() => new(BuiltInTemplates.ThemeNames);

    [Theory]
    [MemberData(nameof(Themes))]
    public async Task EveryErrorType_ReturnsItsStatus_WithASelfContainedNoindexPageUnder20KB(string theme)
    {
        await using var host = await PageHost.StartAsync(o => o.Theme = theme, environment: "Development");
        foreach (var type in Enum.GetValues<GatewayErrorType>())
        {
            var (response, html) = await host.GetAsync($"/orders?type={type}");
            var info = ErrorTaxonomy.Get(type);

            Assert.Equal(info.RecommendedStatus, (int)response.StatusCode);
            Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            Assert.InRange(Encoding.UTF8.GetByteCount(html), 1, 20 * 1024 - 1);

            var document = PageHost.Parse(html);
            Assert.Equal("noindex, nofollow", document.QuerySelector("meta[name=robots]")?.GetAttribute("content"));
            Assert.Contains($"gw-theme-{theme}", document.Body!.ClassName, StringComparison.Ordinal);
            Assert.Equal(info.EnglishTitle, document.QuerySelector("h1")?.TextContent);
            Assert.Contains(info.RecommendedStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), document.QuerySelector(".gw-code")!.TextContent, StringComparison.Ordinal);
            Assert.Contains(PageTexts.Neutral(info.CauseKey), document.Body.TextContent, StringComparison.Ordinal);
            Assert.Contains("2026-11-04 09:30:15 UTC", document.QuerySelector("time")!.TextContent, StringComparison.Ordinal);
            Assert.Equal("2026-11-04T09:30:15Z", document.QuerySelector("time")!.GetAttribute("datetime"));

            // Self-contained: works when the CDN or the upstream is what is down.
            Assert.Empty(document.QuerySelectorAll("link, iframe, object, embed, img, [src], [srcset]"));
            PageHost.AssertOnlyOwnScript(document);
            Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("prefers-color-scheme:dark", html, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(GatewayErrorType.ConnectionRefused, "ok", "ok", "error", "error", "Refused connection")]
    [InlineData(GatewayErrorType.DnsError, "ok", "ok", "error", "error", "Name not found")]
    [InlineData(GatewayErrorType.HttpResponseTimeout, "ok", "ok", "error", "error", "Timed out")]
    [InlineData(GatewayErrorType.TlsCertificateError, "ok", "ok", "error", "error", "Certificate rejected")]
    [InlineData(GatewayErrorType.ConnectionLimitReached, "ok", "error", "unknown", "none", "Too busy")]
    [InlineData(GatewayErrorType.DestinationUnavailable, "ok", "ok", "error", "none", "Unavailable")]
    [InlineData(GatewayErrorType.UpstreamServerError, "ok", "ok", "error", "ok", "Error")]
    public async Task HopDiagram_MarksTheFailingHop_InWordsAndClasses(
        GatewayErrorType type, string visitor, string site, string upstream, string upstreamLink, string failedText)
    {
        await using var host = await PageHost.StartAsync(o => o.Upstreams["catalog"] = new GatewayUpstreamOptions { DisplayName = "Catalog API" });
        var (_, html) = await host.GetAsync($"/?type={type}");
        var hops = PageHost.Parse(html).QuerySelectorAll(".gw-hops li");

        Assert.Equal(3, hops.Length);
        AssertHop(hops[0], "You", visitor);
        AssertHop(hops[1], "This site", site);
        AssertHop(hops[2], "Catalog API", upstream);
        Assert.Contains($"gw-link-{upstreamLink}", hops[2].ClassName, StringComparison.Ordinal);
        var failed = hops.Single(h => h.ClassList.Contains("gw-error"));
        Assert.Equal(failedText, failed.QuerySelector(".gw-state")!.TextContent);
        Assert.All(hops.Where(h => h.ClassList.Contains("gw-ok")), h => Assert.Equal("Working", h.QuerySelector(".gw-state")!.TextContent));

        static void AssertHop(IElement hop, string name, string state)
        {
            Assert.Equal(name, hop.QuerySelector(".gw-name")!.TextContent);
            Assert.Contains($"gw-{state}", hop.ClassName, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Production", null, false)]
    [InlineData("Staging", null, false)]
    [InlineData("Development", null, true)]
    [InlineData("Production", true, true)]
    [InlineData("Development", false, false)]
    public async Task OwnerSection_FollowsEnvironmentAndOption(string environment, bool? show, bool expected)
    {
        await using var host = await PageHost.StartAsync(o => o.ShowTroubleshooting = show, environment: environment);
        var (response, html) = await host.GetAsync("/?type=DnsError");
        var owner = PageHost.Parse(html).QuerySelector(".gw-owner");

        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal(expected, owner is not null);
        if (expected)
        {
            Assert.Contains(ErrorTaxonomy.Get(GatewayErrorType.DnsError).OwnerAdvice[0], owner!.TextContent, StringComparison.Ordinal);
            Assert.Contains("dns_error", owner.TextContent, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("DNS records", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Production_ByDefault_ShowsNoUpstreamInternals()
    {
        await using var host = await PageHost.StartAsync();
        var (_, html) = await host.GetAsync("/?type=ConnectionRefused");

        Assert.DoesNotContain("catalog.internal", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection refused (", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Branding_FromConfiguration_AppearsOnThePage()
    {
        await using var host = await PageHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["GatewayErrors:Theme"] = "minimal",
            ["GatewayErrors:Branding:SiteName"] = "Acme & Co",
            ["GatewayErrors:Branding:LogoUrl"] = "/static/logo.svg",
            ["GatewayErrors:Branding:AccentColor"] = "#0b5fff",
            ["GatewayErrors:Branding:SupportUrl"] = "https://acme.example/help?from=error&lang=en",
            ["GatewayErrors:Branding:SupportEmail"] = "ops@acme.example",
            ["GatewayErrors:Branding:StatusPageUrl"] = "https://status.acme.example/",
        });
        var (_, html) = await host.GetAsync("/?type=ConnectionRefused");
        var document = PageHost.Parse(html);

        Assert.Contains("gw-theme-minimal", document.Body!.ClassName, StringComparison.Ordinal);
        Assert.Equal("Acme & Co", document.QuerySelector(".gw-brand span")!.TextContent);
        Assert.Equal("Acme & Co", document.QuerySelectorAll(".gw-hops .gw-name")[1].TextContent);
        Assert.EndsWith("| Acme & Co", document.Title, StringComparison.Ordinal);
        Assert.Equal("/static/logo.svg", document.QuerySelector(".gw-brand img")!.GetAttribute("src"));
        Assert.Contains(":root{--accent:#0b5fff }", document.QuerySelector("style")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(document.QuerySelector("a[href='https://acme.example/help?from=error&lang=en']"));
        Assert.NotNull(document.QuerySelector("a[href='mailto:ops@acme.example']"));
        Assert.NotNull(document.QuerySelector("a[href='https://status.acme.example/']"));
    }

    [Fact]
    public async Task RetryAfter_Known_PageSaysWhenToRetry_AndHeaderMatches()
    {
        await using var host = await PageHost.StartAsync();
        var (response, html) = await host.GetAsync("/?type=DestinationUnavailable&retry=45");

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal("45", response.Headers.RetryAfter?.ToString());
        Assert.Equal("Try again in 45 seconds.", PageHost.Parse(html).QuerySelector(".gw-retry p strong")!.TextContent);
    }

    [Fact]
    public async Task RetryAfter_Unknown_PageGivesTheErrorTypesAdvice()
    {
        await using var host = await PageHost.StartAsync();
        var (_, html) = await host.GetAsync("/?type=DnsError");

        Assert.Equal("Try again in a few minutes.", PageHost.Parse(html).QuerySelector(".gw-cols li strong")!.TextContent);
    }

    [Theory]
    [InlineData(1, "Try again in a second.")]
    [InlineData(90, "Try again in 90 seconds.")]
    [InlineData(600, "Try again in about 10 minutes.")]
    public void RetryText_ReadsNaturally(long seconds, string expected)
        => Assert.Equal(expected, PageTexts.Create("en", null).RetryText(seconds));
}
