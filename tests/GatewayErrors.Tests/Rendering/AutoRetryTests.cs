using AngleSharp.Html.Dom;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Http;

namespace GatewayErrors.Tests.Rendering;

/// <summary>Whether and how a page retries by itself (<c>GatewayErrors:AutoRetry</c>), as the HTML says it.</summary>
public sealed class AutoRetryTests
{
    [Theory]
    [InlineData("GET", GatewayErrorType.ConnectionRefused, null, "auto", 30)]
    [InlineData("GET", GatewayErrorType.HttpResponseTimeout, null, "auto", 30)]
    [InlineData("GET", GatewayErrorType.ConnectionTerminated, null, "auto", 30)]
    [InlineData("GET", GatewayErrorType.DestinationUnavailable, 45, "auto", 45)]
    [InlineData("GET", GatewayErrorType.ConnectionLimitReached, 2, "auto", 2)]
    [InlineData("GET", GatewayErrorType.DestinationUnavailable, null, null, 0)]
    [InlineData("GET", GatewayErrorType.DestinationUnavailable, 301, null, 0)]
    [InlineData("GET", GatewayErrorType.DnsError, null, null, 0)]
    [InlineData("GET", GatewayErrorType.TlsCertificateError, null, null, 0)]
    [InlineData("GET", GatewayErrorType.UpstreamServerError, null, null, 0)]
    [InlineData("POST", GatewayErrorType.ConnectionRefused, null, "manual", 0)]
    [InlineData("POST", GatewayErrorType.DestinationUnavailable, 45, "manual", 0)]
    [InlineData("PUT", GatewayErrorType.HttpResponseTimeout, null, "manual", 0)]
    [InlineData("DELETE", GatewayErrorType.DnsError, null, "manual", 0)]
    [InlineData("PATCH", GatewayErrorType.ConnectionRefused, null, "manual", 0)]
    public async Task Page_RetriesByItself_OnlyForGetOnTransientFailures(string method, GatewayErrorType type, int? retryAfter, string? mode, int wait)
    {
        await using var host = await PageHost.StartAsync();

        // Twice: the second answer comes from the page cache and must say the same.
        for (var i = 0; i < 2; i++)
        {
            var (response, html) = await host.GetAsync($"/orders/42?type={type}" + (retryAfter is { } r ? $"&retry={r}" : ""), m => m.Method = new HttpMethod(method));
            var document = PageHost.Parse(html);
            var retry = document.QuerySelector("[data-gw-retry]");

            Assert.False(response.Headers.Contains("Refresh"));
            Assert.Null(document.QuerySelector("meta[http-equiv]"));
            Assert.Equal(mode, retry?.GetAttribute("data-gw-retry"));
            PageHost.AssertOnlyOwnScript(document);
            if (mode is null)
            {
                Assert.Empty(document.Scripts);
                continue;
            }

            Assert.Single(document.Scripts);
            if (mode == "auto")
            {
                Assert.Equal(wait.ToString(System.Globalization.CultureInfo.InvariantCulture), retry!.GetAttribute("data-gw-wait"));
                Assert.Equal("300", retry.GetAttribute("data-gw-max-wait"));
                Assert.Equal("10", retry.GetAttribute("data-gw-attempts"));

                // Without script: the wait in words and a link that loads the same URL again; the controls appear with script only.
                Assert.Equal("", retry.QuerySelector("a.gw-button")!.GetAttribute("href"));
                Assert.Equal("Try again", retry.QuerySelector("a.gw-button")!.TextContent);
                Assert.True(retry.QuerySelector("[data-gw-pause]")!.HasAttribute("hidden"));
                Assert.True(retry.QuerySelector("[data-gw-countdown]")!.HasAttribute("hidden"));
                Assert.Equal("status", retry.QuerySelector("[data-gw-live]")!.GetAttribute("role"));
                Assert.Contains("{0}", retry.GetAttribute("data-gw-t-countdown"), StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains("does not reload by itself", retry!.TextContent, StringComparison.Ordinal);
                Assert.Equal("Go back", retry.QuerySelector("[data-gw-back]")!.TextContent);
                Assert.Null(retry.GetAttribute("data-gw-wait"));
            }
        }
    }

    [Theory]
    [InlineData("GET", GatewayErrorType.ConnectionRefused, null, "Automatic")]
    [InlineData("HEAD", GatewayErrorType.ConnectionRefused, null, "Automatic")]
    [InlineData("HEAD", GatewayErrorType.DestinationUnavailable, 10, "Automatic")]
    [InlineData("OPTIONS", GatewayErrorType.ConnectionRefused, null, "NotResent")]
    [InlineData("GET", GatewayErrorType.HttpResponseIncomplete, null, "Automatic")]
    [InlineData("GET", GatewayErrorType.HttpResponseBodySize, null, "None")]
    public void Mode_FollowsMethodStatusAndType(string method, GatewayErrorType type, int? retryAfter, string expected)
    {
        var row = ErrorTaxonomy.Get(type);
        var error = new ErrorResponse
        {
            StatusCode = row.RecommendedStatus,
            ReasonPhrase = "",
            Type = row,
            UpstreamDisplayName = "catalog",
            TraceId = "t",
            Timestamp = PageHost.Now,
            Method = method,
            Path = "/",
            RetryAfter = retryAfter is { } r ? TimeSpan.FromSeconds(r) : null,
        };

        Assert.Equal(Enum.Parse<RetryMode>(expected), AutoRetryPolicy.ModeFor(error, English.For(type), new GatewayErrorAutoRetryOptions()));
    }

    [Fact]
    public async Task StatusOverride_To500_DoesNotRetryByItself()
    {
        await using var host = await PageHost.StartAsync(o => o.StatusCodes[GatewayErrorType.ConnectionRefused] = 500);

        var (_, html) = await host.GetAsync("/?type=ConnectionRefused");

        Assert.Null(PageHost.Parse(html).QuerySelector("[data-gw-retry]"));
    }

    [Fact]
    public async Task Options_SetTheCountdownAndItsLimits()
    {
        await using var host = await PageHost.StartAsync(settings: new()
        {
            ["GatewayErrors:AutoRetry:Delay"] = "00:00:02",
            ["GatewayErrors:AutoRetry:MaxDelay"] = "00:00:08",
            ["GatewayErrors:AutoRetry:MaxAttempts"] = "3",
        });

        var retry = await RetryOf(host, "/?type=ConnectionRefused");
        var longWait = PageHost.Parse((await host.GetAsync("/?type=DestinationUnavailable&retry=9")).Html);

        Assert.Equal("2", retry.GetAttribute("data-gw-wait"));
        Assert.Equal("8", retry.GetAttribute("data-gw-max-wait"));
        Assert.Equal("3", retry.GetAttribute("data-gw-attempts"));
        Assert.Null(longWait.QuerySelector("[data-gw-retry]"));
    }

    [Fact]
    public async Task Disabled_PageStatesTheWaitAndNeverRetries()
    {
        await using var host = await PageHost.StartAsync(settings: new() { ["GatewayErrors:AutoRetry:Enabled"] = "false" });

        var (_, html) = await host.GetAsync("/?type=DestinationUnavailable&retry=45");
        var document = PageHost.Parse(html);

        Assert.Null(document.QuerySelector("[data-gw-retry]"));
        Assert.Empty(document.Scripts);
        Assert.Equal("Try again in 45 seconds.", document.QuerySelector(".gw-cols li strong")!.TextContent);
    }

    [Fact]
    public async Task CountdownValue_FollowsEachRequestsRetryAfter_FromTheCachedPage()
    {
        await using var host = await PageHost.StartAsync();

        foreach (var seconds in new[] { 45, 7, 120, 1 })
        {
            var retry = await RetryOf(host, $"/?type=DestinationUnavailable&retry={seconds}");
            Assert.Equal(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), retry.GetAttribute("data-gw-wait"));
        }
    }

    [Fact]
    public async Task WithoutACspNonce_TheScriptAndStyleHaveNoNonceAttribute()
    {
        await using var host = await PageHost.StartAsync();

        // Served twice: rendered, then from the page cache.
        for (var i = 0; i < 2; i++)
        {
            var html = (await host.GetAsync("/?type=ConnectionRefused")).Html;
            Assert.DoesNotContain("nonce", html, StringComparison.Ordinal);
            Assert.NotEmpty(PageHost.Parse(html).Scripts);
        }
    }

    [Fact]
    public async Task CspNonce_FromTheApp_IsOnTheScriptAndTheStyle_PerRequest()
    {
        var counter = 0;
        await using var host = await PageHost.StartAsync(o => o.CspNonce = static context => context.Items["nonce"] as string, settings: null, outer: (context, next) =>
        {
            context.Items["nonce"] = context.Request.Query["nonce"].ToString() is { Length: > 0 } given ? given : "n0nce" + Interlocked.Increment(ref counter) + "A/b+c=";
            return next(context);
        });

        var first = PageHost.Parse((await host.GetAsync("/?type=ConnectionRefused")).Html);
        var second = PageHost.Parse((await host.GetAsync("/?type=ConnectionRefused")).Html);
        var hostile = PageHost.Parse((await host.GetAsync("/?type=ConnectionRefused&nonce=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")).Html);

        Assert.Equal("n0nce1A/b+c=", first.Scripts[0].GetAttribute("nonce"));
        Assert.Equal("n0nce1A/b+c=", first.QuerySelector("style")!.GetAttribute("nonce"));
        Assert.Equal("n0nce2A/b+c=", second.Scripts[0].GetAttribute("nonce"));
        Assert.Equal("n0nce2A/b+c=", second.QuerySelector("style")!.GetAttribute("nonce"));
        // A nonce that is not base64 is not written at all: no nonce="" (an empty attribute allows nothing and reads as a bug).
        Assert.False(hostile.Scripts[0].HasAttribute("nonce"));
        PageHost.AssertOnlyOwnScript(hostile);
    }

    [Fact]
    public async Task CustomTemplate_GetsTheRetryValues_AndTheRetryPartial()
    {
        await using var host = await PageHost.StartAsync(o => o.Templates["error"] =
            "<!DOCTYPE html><html lang=\"{{ lang }}\"><head><title>x</title></head><body><main>"
            + "<p id=\"values\">{{ if auto_retry }}auto {{ retry_wait_seconds }}/{{ retry_max_wait_seconds }}/{{ retry_max_attempts }}{{ end }}{{ if retry_not_resent }}not resent{{ end }}</p>"
            + "{{ include 'gw-retry' }}</main></body></html>");

        var get = PageHost.Parse((await host.GetAsync("/?type=DestinationUnavailable&retry=12")).Html);
        var cached = PageHost.Parse((await host.GetAsync("/?type=DestinationUnavailable&retry=13")).Html);
        var post = PageHost.Parse((await host.GetAsync("/?type=ConnectionRefused", m => m.Method = HttpMethod.Post)).Html);

        Assert.Equal("auto 12/300/10", get.GetElementById("values")!.TextContent);
        Assert.Equal("auto 13/300/10", cached.GetElementById("values")!.TextContent);
        Assert.Equal("13", cached.QuerySelector("[data-gw-retry]")!.GetAttribute("data-gw-wait"));
        PageHost.AssertOnlyOwnScript(cached);
        Assert.Single(cached.Scripts);
        Assert.Equal("not resent", post.GetElementById("values")!.TextContent);
        Assert.Equal("manual", post.QuerySelector("[data-gw-retry]")!.GetAttribute("data-gw-retry"));
    }

    [Theory]
    [InlineData("GatewayErrors:AutoRetry:Delay", "00:00:00.500", "GatewayErrors:AutoRetry:Delay = 00:00:00.5000000 must be at least 00:00:01")]
    [InlineData("GatewayErrors:AutoRetry:MaxDelay", "02:00:00", "GatewayErrors:AutoRetry:MaxDelay = 02:00:00 must be at least GatewayErrors:AutoRetry:Delay")]
    [InlineData("GatewayErrors:AutoRetry:MaxDelay", "00:00:10", "GatewayErrors:AutoRetry:MaxDelay = 00:00:10 must be at least GatewayErrors:AutoRetry:Delay (00:00:30)")]
    [InlineData("GatewayErrors:AutoRetry:MaxAttempts", "0", "GatewayErrors:AutoRetry:MaxAttempts = 0 must be between 1 and 100")]
    public Task InvalidAutoRetry_FailsStartup_NamingTheKeyAndValue(string key, string value, string expected)
        => GatewayTestApp.AssertStartFailsAsync(key, value, expected);

    [Fact]
    public void Defaults_ArePinned()
    {
        var options = new GatewayErrorAutoRetryOptions();

        Assert.True(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Delay);
        Assert.Equal(TimeSpan.FromMinutes(5), options.MaxDelay);
        Assert.Equal(10, options.MaxAttempts);
        Assert.Null(new GatewayErrorsOptions().CspNonce);
    }

    [Fact]
    public void ScriptHash_InTheDocs_IsTheScriptsHash()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "themes-and-templates.md"));

        Assert.Contains(BuiltInTemplates.RetryScriptHash, docs, StringComparison.Ordinal);
        Assert.DoesNotContain("</script", BuiltInTemplates.RetryScript, StringComparison.OrdinalIgnoreCase);
    }

    private static readonly PageTexts English = PageTexts.Create("en", null);

    private static async Task<AngleSharp.Dom.IElement> RetryOf(PageHost host, string url)
        => PageHost.Parse((await host.GetAsync(url)).Html).QuerySelector("[data-gw-retry]") ?? throw new Xunit.Sdk.XunitException($"{url}: no retry section");
}
