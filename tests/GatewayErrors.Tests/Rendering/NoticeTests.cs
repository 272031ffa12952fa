using System.Net.Http.Headers;
using System.Text.Json;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.Rendering;

/// <summary>The incident notice (<c>GatewayErrors:Notice</c>, <c>GatewayErrors:Upstreams:&lt;name&gt;:Notice</c>) in every body.</summary>
public sealed class NoticeTests
{
    private const string Hostile = "Payments are down <script>alert(1)</script> & \"we\" <b>know</b>";

    private static Dictionary<string, string?> SiteNotice(string message = "We are deploying a new version.") => new()
    {
        ["GatewayErrors:Notice:Message"] = message,
        ["GatewayErrors:Notice:Since"] = "2026-11-04T08:05:00Z",
        ["GatewayErrors:Notice:Url"] = "https://status.example.com/incidents/42?a=1&b=2",
    };

    [Theory]
    [MemberData(nameof(BuiltInThemeTests.Themes), MemberType = typeof(BuiltInThemeTests))]
    public async Task SiteNotice_IsOnThePage_AsEscapedPlainText_WithItsTimeAndLink(string theme)
    {
        await using var host = await PageHost.StartAsync(o => o.Theme = theme, settings: SiteNotice(Hostile));

        var (_, html) = await host.GetAsync("/orders");
        var document = PageHost.Parse(html);
        var notice = document.QuerySelector(".gw-notice");

        Assert.NotNull(notice);
        Assert.Equal("What we know", notice.QuerySelector("h2")?.TextContent);
        Assert.Contains(Hostile, notice.TextContent, StringComparison.Ordinal);
        Assert.Empty(document.QuerySelectorAll("b"));
        PageHost.AssertOnlyOwnScript(document);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Equal("2026-11-04T08:05:00Z", notice.QuerySelector("time")?.GetAttribute("datetime"));
        Assert.Equal("2026-11-04 08:05 UTC", notice.QuerySelector("time")?.TextContent);
        Assert.Equal("https://status.example.com/incidents/42?a=1&b=2", notice.QuerySelector("a")?.GetAttribute("href"));
    }

    [Fact]
    public async Task NoNotice_NoNoticeSection()
    {
        await using var host = await PageHost.StartAsync();

        var (_, html) = await host.GetAsync("/orders");

        Assert.Null(PageHost.Parse(html).QuerySelector(".gw-notice"));
    }

    [Fact]
    public async Task UpstreamNotice_ReplacesTheSiteNotice_ForThatUpstreamOnly()
    {
        var settings = SiteNotice();
        settings["GatewayErrors:Upstreams:catalog:Notice:Message"] = "The catalog is being re-indexed.";
        settings["GatewayErrors:Upstreams:payments:Notice:Message"] = "The payment provider is down.";
        await using var host = await PageHost.StartAsync(settings: settings);

        var (_, html) = await host.GetAsync("/orders");
        var notice = PageHost.Parse(html).QuerySelector(".gw-notice")!;

        Assert.Contains("The catalog is being re-indexed.", notice.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("deploying", notice.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("payment", notice.TextContent, StringComparison.Ordinal);
        Assert.Null(notice.QuerySelector("time"));
    }

    [Fact]
    public async Task ProblemDetails_CarryTheNotice_AsAnExtensionObject()
    {
        await using var host = await PageHost.StartAsync(settings: SiteNotice(Hostile));
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Accept.Clear();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await client.GetAsync(new Uri("/orders", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var notice = json.RootElement.GetProperty("notice");

        Assert.Equal("application/problem+json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(Hostile, notice.GetProperty("message").GetString());
        Assert.Equal("2026-11-04T08:05:00Z", notice.GetProperty("since").GetString());
        Assert.Equal("https://status.example.com/incidents/42?a=1&b=2", notice.GetProperty("url").GetString());
        Assert.Equal("connection_refused", json.RootElement.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task ProblemDetails_WrittenByTheAppsProblemDetailsService_CarryTheNoticeToo()
    {
        await using var app = await GatewayTestApp.StartAsync(s =>
        {
            s.Configuration["GatewayErrors:Notice:Message"] = "We are deploying.";
            s.Services = static services => services.AddProblemDetails();
            s.Endpoints = static endpoints => endpoints.Run(static _ => throw new UpstreamFailureException(new UpstreamFailure("catalog", GatewayErrorType.ConnectionRefused)));
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/x");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await app.Client.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("We are deploying.", json.RootElement.GetProperty("notice").GetProperty("message").GetString());
        Assert.False(json.RootElement.GetProperty("notice").TryGetProperty("url", out _));
    }

    [Fact]
    public async Task PlainText_CarriesTheNotice_OnOneLineEach()
    {
        var settings = SiteNotice("Deploying\r\nTrace id: forged");
        await using var host = await PageHost.StartAsync(settings: settings);
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Accept.Clear();

        using var response = await client.GetAsync(new Uri("/orders", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n');

        Assert.Contains("Notice: Deploying  Trace id: forged", lines);
        Assert.Contains("Since: 2026-11-04 08:05 UTC", lines);
        Assert.Contains("More: https://status.example.com/incidents/42?a=1&b=2", lines);
        Assert.Single(lines, static l => l.StartsWith("Trace id: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChangedNotice_IsShownAfterAConfigurationReload_WithoutARestart()
    {
        await using var host = await PageHost.StartAsync(settings: SiteNotice("First notice."));
        var (_, first) = await host.GetAsync("/orders");
        var (_, cached) = await host.GetAsync("/orders");
        Assert.Contains("First notice.", first, StringComparison.Ordinal);
        Assert.Contains("First notice.", cached, StringComparison.Ordinal);

        var configuration = (IConfigurationRoot)host.App.Configuration;
        configuration["GatewayErrors:Notice:Message"] = "Second notice.";
        configuration.Reload();
        var (_, second) = await host.GetAsync("/orders");

        Assert.Contains("Second notice.", second, StringComparison.Ordinal);
        Assert.DoesNotContain("First notice.", second, StringComparison.Ordinal);

        configuration["GatewayErrors:Notice:Message"] = null;
        configuration["GatewayErrors:Notice:Since"] = null;
        configuration["GatewayErrors:Notice:Url"] = null;
        configuration.Reload();
        var (_, none) = await host.GetAsync("/orders");

        Assert.Null(PageHost.Parse(none).QuerySelector(".gw-notice"));
        Assert.NotNull(host.App.Services.GetRequiredService<IOptionsMonitor<GatewayErrorsOptions>>().CurrentValue);
    }

    [Theory]
    [InlineData("GatewayErrors:Notice:Url", "javascript:alert(1)", "GatewayErrors:Notice:Url = 'javascript:alert(1)' must be an absolute http or https URL")]
    [InlineData("GatewayErrors:Notice:Url", "/status", "GatewayErrors:Notice:Url = '/status' must be an absolute http or https URL")]
    [InlineData("GatewayErrors:Upstreams:catalog:Notice:Url", "ftp://status.example/", "GatewayErrors:Upstreams:catalog:Notice:Url = 'ftp://status.example/'")]
    [InlineData("GatewayErrors:Notice:Message", " ", "GatewayErrors:Notice:Message must not be blank")]
    public Task InvalidNotice_FailsStartup_NamingTheKeyAndValue(string key, string value, string expected)
        => GatewayTestApp.AssertStartFailsAsync(key, value, expected);

    [Fact]
    public async Task NoticeWithoutMessage_FailsStartup_NamingTheKey()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => PageHost.StartAsync(
            settings: new() { ["GatewayErrors:Notice:Url"] = "https://status.example.com/" }));

        Assert.Contains("GatewayErrors:Notice:Message must not be blank when GatewayErrors:Notice is set", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooLongNotice_FailsStartup_NamingTheKey()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => PageHost.StartAsync(
            settings: new() { ["GatewayErrors:Notice:Message"] = new string('x', 501) }));

        Assert.Contains("GatewayErrors:Notice:Message is 501 characters; a notice may have at most 500", exception.Message, StringComparison.Ordinal);
    }
}
