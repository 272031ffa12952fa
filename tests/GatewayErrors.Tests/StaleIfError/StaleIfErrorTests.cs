using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Claims;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace GatewayErrors.Tests.StaleIfError;

public sealed class StaleIfErrorTests
{
    [Fact]
    public async Task UpstreamFails_ServesKeptCopy_WithAgeCacheStatusAndProxyStatus()
    {
        await using var host = await StaleHost.StartAsync();
        using var metric = new MetricCollector<long>(host.App.Services.GetRequiredService<IMeterFactory>(), "GatewayErrors", "gateway_errors.upstream.failures");
        host.Respond = static (context, _) =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers["X-Version"] = "7";
            context.Response.Headers.CacheControl = "public, max-age=10";
            return context.Response.WriteAsync("<p>catalog</p>");
        };
        Assert.Equal("<p>catalog</p>", await host.GetBodyAsync("/page/home"));
        await host.WaitForKeptAsync("/page/home");

        host.Broken = true;
        host.App.Time.Advance(TimeSpan.FromSeconds(30));
        using var response = await host.GetAsync("/page/home");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("<p>catalog</p>", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("7", Assert.Single(response.Headers.GetValues("X-Version")));
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.Age);
        var cacheStatus = Assert.Single(StructuredFieldList.Parse(string.Join(", ", response.Headers.GetValues("Cache-Status"))));
        Assert.Equal("shop", cacheStatus.Value.ToString());
        Assert.Equal(true, cacheStatus["hit"]);
        Assert.Equal(-20L, cacheStatus["ttl"]);
        Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(response));
        Assert.Equal("shop", ResponseAssertions.ProxyStatus(response).Value.ToString());

        var served = Assert.Single(host.Logged(400));
        Assert.Equal("catalog", served.GetStructuredStateValue("Upstream"));
        Assert.Equal("destination_unavailable", served.GetStructuredStateValue("ErrorType"));
        Assert.Equal("30", served.GetStructuredStateValue("AgeSeconds"));
        var measurement = Assert.Single(metric.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("catalog", measurement.Tags["gateway.upstream"]);
        Assert.Equal("destination_unavailable", measurement.Tags["error.type"]);
        Assert.Equal("stale_copy", measurement.Tags["gateway.outcome"]);
        Assert.Equal(200, measurement.Tags["http.response.status_code"]);
    }

    [Fact]
    public async Task UpstreamRefuses_ServesKeptCopy()
    {
        // A real connection failure, not a 5xx: the upstream is gone and its port refuses.
        await using var host = await StaleHost.StartAsync();
        Assert.Equal("v1", await host.GetBodyAsync("/page/a"));
        await host.WaitForKeptAsync("/page/a");
        await host.StopUpstreamAsync();

        using var response = await host.GetAsync("/page/a");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1", await response.Content.ReadAsStringAsync());
        Assert.Equal("connection_refused", ResponseAssertions.ProxyStatusError(response));
    }

    [Fact]
    public async Task CopyOlderThanWindow_Returns503ErrorPage()
    {
        await using var host = await StaleHost.StartAsync(maxStale: TimeSpan.FromMinutes(1));
        await host.GetBodyAsync("/page/a");
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;

        host.App.Time.Advance(TimeSpan.FromSeconds(60));
        using (var within = await host.GetAsync("/page/a"))
        {
            Assert.Equal(HttpStatusCode.OK, within.StatusCode);
        }

        host.App.Time.Advance(TimeSpan.FromSeconds(1));
        using var past = await host.GetAsync("/page/a");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, past.StatusCode);
        Assert.Equal("no-store", past.Headers.CacheControl?.ToString());
        Assert.False(past.Headers.Contains("Cache-Status"));
    }

    [Fact]
    public async Task NoCopy_Returns503ErrorPage()
    {
        await using var host = await StaleHost.StartAsync();
        host.Broken = true;

        using var response = await host.GetAsync("/page/never-seen");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(response));
        Assert.Single(host.Logged(1));
        Assert.Empty(host.Logged(400));
    }

    [Fact]
    public async Task RouteNotOptedIn_Returns503ErrorPage()
    {
        await using var host = await StaleHost.StartAsync();
        Assert.Equal("v1", await host.GetBodyAsync("/plain/a"));
        host.Broken = true;

        using var response = await host.GetAsync("/plain/a");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task ResponseStaleIfError_ShortensWindow_ToFreshnessPlusN()
    {
        await using var host = await StaleHost.StartAsync();
        host.Respond = static (context, _) =>
        {
            // RFC 5861 section 4: served up to 20 s past its freshness; it arrived 3 s old, fresh for 5: 22 s after it was kept.
            context.Response.Headers.CacheControl = "max-age=5, stale-if-error=20";
            context.Response.Headers.Age = "3";
            return context.Response.WriteAsync("short");
        };
        await host.GetBodyAsync("/page/a");
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;

        host.App.Time.Advance(TimeSpan.FromSeconds(22));
        Assert.Equal("short", await host.GetBodyAsync("/page/a"));

        host.App.Time.Advance(TimeSpan.FromSeconds(1));
        using var past = await host.GetAsync("/page/a");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, past.StatusCode);
    }

    [Theory]
    [InlineData("00:00:00", 0, HttpStatusCode.ServiceUnavailable)]
    [InlineData("00:10:00", 9, HttpStatusCode.OK)]
    [InlineData("00:10:00", 11, HttpStatusCode.ServiceUnavailable)]
    public async Task UpstreamWindowInConfiguration_ReplacesRouteWindow(string window, int minutesLater, HttpStatusCode expected)
    {
        await using var host = await StaleHost.StartAsync(s => s.Configuration["GatewayErrors:Upstreams:catalog:StaleIfError"] = window,
            maxStale: TimeSpan.FromMinutes(1));
        await host.GetBodyAsync("/page/a");
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;

        host.App.Time.Advance(TimeSpan.FromMinutes(minutesLater));
        using var response = await host.GetAsync("/page/a");

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Head_GetsHeadersOfCopyWithoutBody()
    {
        await using var host = await StaleHost.StartAsync();
        await host.GetBodyAsync("/page/a");
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;

        using var response = await host.SendAsync(HttpMethod.Head, "/page/a");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.True(response.Headers.Contains("Cache-Status"));
    }

    [Fact]
    public async Task Vary_KeepsOneCopyPerVariant()
    {
        await using var host = await StaleHost.StartAsync();
        host.Respond = static (context, _) =>
        {
            context.Response.Headers.Vary = "Accept-Language";
            return context.Response.WriteAsync("page in " + context.Request.Headers.AcceptLanguage);
        };
        static Action<HttpRequestMessage> Language(string language) => r => r.Headers.Add("Accept-Language", language);
        Assert.Equal("page in en", await host.GetBodyAsync("/page/a", Language("en")));
        Assert.Equal("page in de", await host.GetBodyAsync("/page/a", Language("de")));
        await host.WaitForKeptAsync("/page/a");
        await WaitUntilAsync(async () => (await StaleAsync(host, "/page/a", Language("de"))) == "page in de", host);

        host.Broken = true;
        Assert.Equal("page in en", await host.GetBodyAsync("/page/a", Language("en")));
        Assert.Equal("page in de", await host.GetBodyAsync("/page/a", Language("de")));
        using var unseen = await host.GetAsync("/page/a", Language("fr"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unseen.StatusCode);
    }

    [Fact]
    public async Task VaryStar_IsNotKept()
    {
        await using var host = await StaleHost.StartAsync();
        host.Respond = static (context, _) =>
        {
            context.Response.Headers.Vary = "*";
            return context.Response.WriteAsync("varies on everything");
        };
        await AssertNotKeptAsync(host);
    }

    [Fact]
    public async Task BodyOverEntryLimit_IsNotKept_AndLoggedOnce()
    {
        await using var host = await StaleHost.StartAsync(s => s.Configuration["GatewayErrors:StaleIfError:MaxEntryBytes"] = "100");
        host.Respond = static (context, _) => context.Response.WriteAsync(new string('x', 101));
        await host.GetBodyAsync("/page/a");
        host.App.Time.Advance(TimeSpan.FromMinutes(1));
        await host.GetBodyAsync("/page/a");
        host.Broken = true;

        using var response = await host.GetAsync("/page/a");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var logged = Assert.Single(host.Logged(402));
        Assert.Equal("100", logged.GetStructuredStateValue("MaxEntryBytes"));
    }

    [Fact]
    public async Task BodyAtEntryLimit_IsKept()
    {
        await using var host = await StaleHost.StartAsync(s => s.Configuration["GatewayErrors:StaleIfError:MaxEntryBytes"] = "100");
        host.Respond = static (context, _) => context.Response.WriteAsync(new string('x', 100));
        await host.GetBodyAsync("/page/a");
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;

        Assert.Equal(new string('x', 100), await host.GetBodyAsync("/page/a"));
    }

    public static TheoryData<string> NeverKeptRequests => new() { "Authorization", "Cookie", "Cache-Control: no-store" };

    [Theory]
    [MemberData(nameof(NeverKeptRequests))]
    public async Task RequestThatMustNotBeShared_IsNotKept(string rule)
    {
        await using var host = await StaleHost.StartAsync();
        Action<HttpRequestMessage> configure = rule switch
        {
            "Authorization" => static r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer secret"),
            "Cookie" => static r => r.Headers.TryAddWithoutValidation("Cookie", "session=abc"),
            _ => static r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-store"),
        };
        await host.GetBodyAsync("/page/a", configure);

        await AssertNotKeptAsync(host, skipFirst: true);
    }

    [Fact]
    public async Task ResponseSettingCookie_IsNotKept()
    {
        await using var host = await StaleHost.StartAsync();
        host.Respond = static (context, _) =>
        {
            context.Response.Headers.SetCookie = "session=abc; HttpOnly";
            return context.Response.WriteAsync("hello, you");
        };
        await AssertNotKeptAsync(host);
    }

    [Fact]
    public async Task AuthenticatedUser_IsNotKept()
    {
        await using var host = await StaleHost.StartAsync(s => s.Outer = static (context, next) =>
        {
            if (context.Request.Headers.ContainsKey("X-Sign-In"))
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "ana")], "test"));
            }

            return next(context);
        });
        await host.GetBodyAsync("/page/a", static r => r.Headers.Add("X-Sign-In", "1"));

        await AssertNotKeptAsync(host, skipFirst: true);
    }

    [Fact]
    public async Task Post_IsNotKept()
    {
        await using var host = await StaleHost.StartAsync();
        using (var post = await host.SendAsync(HttpMethod.Post, "/page/a"))
        {
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        }

        host.Broken = true;
        using var response = await host.SendAsync(HttpMethod.Post, "/page/a");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var get = await host.GetAsync("/page/a");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, get.StatusCode);
    }

    [Fact]
    public async Task IgnoredCookies_AreKeptWithoutTheirSetCookie()
    {
        await using var host = await StaleHost.StartAsync(s =>
        {
            s.Configuration["GatewayErrors:StaleIfError:IgnoredCookies:page:0"] = "_ga";
            s.Configuration["GatewayErrors:StaleIfError:IgnoredCookies:page:1"] = "consent";
        });
        host.Respond = static (context, _) =>
        {
            context.Response.Headers.SetCookie = "_ga=GA1.2; Path=/";
            return context.Response.WriteAsync("public page");
        };
        await host.GetBodyAsync("/page/a", static r => r.Headers.TryAddWithoutValidation("Cookie", "_ga=GA1.1; consent=yes"));
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;

        using var served = await host.GetAsync("/page/a", static r => r.Headers.TryAddWithoutValidation("Cookie", "_ga=GA1.9"));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("public page", await served.Content.ReadAsStringAsync());
        Assert.False(served.Headers.Contains("Set-Cookie"));

        // Another cookie is not ignored: that request is neither kept nor answered from a copy.
        using var other = await host.GetAsync("/page/a", static r => r.Headers.TryAddWithoutValidation("Cookie", "_ga=1; session=abc"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, other.StatusCode);
    }

    [Fact]
    public async Task RefreshInterval_CopyIsRewrittenAtMostOncePerInterval()
    {
        await using var host = await StaleHost.StartAsync(s => s.Configuration["GatewayErrors:StaleIfError:RefreshInterval"] = "00:00:10");
        Assert.Equal("v1", await host.GetBodyAsync("/page/a"));
        await host.WaitForKeptAsync("/page/a");
        host.App.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("v2", await host.GetBodyAsync("/page/a"));
        host.Broken = true;
        Assert.Equal("v1", await host.GetBodyAsync("/page/a"));

        host.Broken = false;
        host.App.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal("v4", await host.GetBodyAsync("/page/a"));
        host.Broken = true;
        await WaitUntilAsync(async () => await StaleAsync(host, "/page/a") == "v4", host);
    }

    [Fact]
    public async Task HoldDown_ServesCopiesWithoutCallingUpstream_ThenOneProbePerInterval()
    {
        await using var host = await StaleHost.StartAsync(s =>
        {
            s.Configuration["GatewayErrors:StaleIfError:HoldDown"] = "00:00:30";
            s.Configuration["GatewayErrors:StaleIfError:ProbeInterval"] = "00:00:02";
        });
        await host.GetBodyAsync("/page/a");
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;
        Assert.Equal("v1", await host.GetBodyAsync("/page/a"));
        var calls = host.Upstream.RequestCount;

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("v1", await host.GetBodyAsync("/page/a"));
        }

        Assert.Equal(calls, host.Upstream.RequestCount);

        // One request per probe interval goes through; it fails, so the copy is still the answer.
        host.App.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("v1", await host.GetBodyAsync("/page/a"));
        Assert.Equal("v1", await host.GetBodyAsync("/page/a"));
        Assert.Equal(calls + 1, host.Upstream.RequestCount);

        // The next probe succeeds: that ends the hold-down at once.
        host.Broken = false;
        host.App.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal($"v{calls + 2}", await host.GetBodyAsync("/page/a"));
        Assert.Equal($"v{calls + 3}", await host.GetBodyAsync("/page/a"));
    }

    [Fact]
    public async Task UpstreamTakenOutOfService_FailFast503IsAnsweredFromCopy_WithoutCallingIt()
    {
        await using var host = await StaleHost.StartAsync();
        Assert.Equal("v1", await host.GetBodyAsync("/marked/a"));
        await host.WaitForKeptAsync("/marked/a");
        var configuration = (IConfigurationRoot)host.App.Services.GetRequiredService<IConfiguration>();
        configuration["GatewayErrors:Upstreams:catalog:Maintenance:Enabled"] = "true";
        configuration.Reload();

        using var response = await host.GetAsync("/marked/a");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1", await response.Content.ReadAsStringAsync());
        Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(response));
        Assert.False(response.Headers.Contains("Retry-After"));
        Assert.Equal(1, host.Upstream.RequestCount);
        using var notKept = await host.GetAsync("/marked/b");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notKept.StatusCode);
    }

    [Fact]
    public async Task HoldDownOver_NextRequestCallsUpstreamAgain()
    {
        await using var host = await StaleHost.StartAsync(s => s.Configuration["GatewayErrors:StaleIfError:HoldDown"] = "00:00:05");
        await host.GetBodyAsync("/page/a");
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;
        await host.GetBodyAsync("/page/a");
        var calls = host.Upstream.RequestCount;

        host.App.Time.Advance(TimeSpan.FromSeconds(5));
        host.Broken = false;

        Assert.Equal($"v{calls + 1}", await host.GetBodyAsync("/page/a"));
    }

    [Theory]
    [InlineData("GatewayErrors:StaleIfError:RefreshInterval", "-00:00:01", "GatewayErrors:StaleIfError:RefreshInterval = -00:00:01")]
    [InlineData("GatewayErrors:StaleIfError:HoldDown", "02:00:00", "GatewayErrors:StaleIfError:HoldDown = 02:00:00")]
    [InlineData("GatewayErrors:StaleIfError:ProbeInterval", "00:00:00", "GatewayErrors:StaleIfError:ProbeInterval = 00:00:00")]
    [InlineData("GatewayErrors:StaleIfError:MaxEntryBytes", "0", "GatewayErrors:StaleIfError:MaxEntryBytes = 0")]
    [InlineData("GatewayErrors:StaleIfError:MaxMemoryBytes", "10", "GatewayErrors:StaleIfError:MaxMemoryBytes = 10")]
    [InlineData("GatewayErrors:StaleIfError:CacheTimeout", "00:00:00", "GatewayErrors:StaleIfError:CacheTimeout = 00:00:00")]
    [InlineData("GatewayErrors:StaleIfError:MinUses", "0", "GatewayErrors:StaleIfError:MinUses = 0")]
    [InlineData("GatewayErrors:StaleIfError:MinUses", "101", "GatewayErrors:StaleIfError:MinUses = 101")]
    [InlineData("GatewayErrors:StaleIfError:MaxSharedCopiesPerRoute", "0", "GatewayErrors:StaleIfError:MaxSharedCopiesPerRoute = 0")]
    [InlineData("GatewayErrors:StaleIfError:MaxSharedWritesPerSecond", "0", "GatewayErrors:StaleIfError:MaxSharedWritesPerSecond = 0")]
    [InlineData("GatewayErrors:StaleIfError:PreviousSigningKey", "c2l4dGVlbiBieXRlcyBvZiBrZXkgbWF0ZXJpYWwgLSBvayEhIQ==", "PreviousSigningKey is set without SigningKey")]
    [InlineData("GatewayErrors:StaleIfError:IgnoredCookies:page:0", "a b", "GatewayErrors:StaleIfError:IgnoredCookies:page = 'a b'")]
    [InlineData("GatewayErrors:Upstreams:catalog:StaleIfError", "-00:01:00", "GatewayErrors:Upstreams:catalog:StaleIfError = -00:01:00")]
    public async Task InvalidSetting_FailsAtStartNamingKey(string key, string value, string expected)
        => await GatewayTestApp.AssertStartFailsAsync(key, value, expected);

    [Fact]
    public void WithStaleIfError_RejectsBadArguments()
    {
        Assert.Throws<ArgumentNullException>(() => StaleIfErrorEndpointConventionBuilderExtensions.WithStaleIfError<IEndpointConventionBuilder>(null!, TimeSpan.FromMinutes(1)));
        var builder = new RouteHandlerBuilder([]);
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.WithStaleIfError(TimeSpan.Zero));
    }

    /// <summary>A copy would have been kept by now; with the upstream broken, the answer must be the error page.</summary>
    private static async Task AssertNotKeptAsync(StaleHost host, bool skipFirst = false)
    {
        if (!skipFirst)
        {
            await host.GetBodyAsync("/page/a");
        }

        // A control request proves the background write has had its chance: a copy of another URL was kept meanwhile.
        host.Respond = static (context, _) => context.Response.WriteAsync("control");
        await host.GetBodyAsync("/page/control");
        await host.WaitForKeptAsync("/page/control");
        host.Broken = true;

        using var response = await host.GetAsync("/page/a");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(response));
    }

    /// <summary>What the route answers from its copy right now (with the upstream broken), or null for an error.</summary>
    private static async Task<string?> StaleAsync(StaleHost host, string path, Action<HttpRequestMessage>? configure = null)
    {
        var broken = host.Broken;
        host.Broken = true;
        try
        {
            using var response = await host.GetAsync(path, configure);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
        }
        finally
        {
            host.Broken = broken;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, StaleHost host)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The copy never appeared.");

            // Each failed look starts a hold-down; move past it so the next look calls the upstream again.
            host.App.Time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(5);
        }
    }
}
