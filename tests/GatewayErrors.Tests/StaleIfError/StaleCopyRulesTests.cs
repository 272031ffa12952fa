using System.Net;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.StaleIfError;

/// <summary>
/// What is kept and served during an outage (docs/stale-if-error.md, "What is kept"): the response's caching rules
/// (RFC 9111, RFC 5861), hostile <c>Age</c>, exact keys, and how often a URL must be asked for.
/// </summary>
public sealed class StaleCopyRulesTests
{
    public static TheoryData<string, bool> CacheControlRules => new()
    {
        // RFC 9111 forbids a shared cache to serve these stale (sections 4.2.4, 5.2.2.x).
        { "no-cache", false },
        { "no-cache=\"Set-Cookie\", max-age=60", false },
        { "must-revalidate, max-age=60", false },
        { "proxy-revalidate, max-age=60", false },
        { "s-maxage=0", false },
        { "public, s-maxage=600", false },
        { "private", false },
        { "private=\"X-User\", max-age=60", false },
        { "no-store", false },

        // stale-if-error does not override a directive that forbids serving stale.
        { "max-age=60, stale-if-error=600, must-revalidate", false },
        { "no-cache, stale-if-error=600", false },

        // Cannot be read, or says something we do not know: not kept.
        { "max-age=60, x-cdn-secret", false },
        { "max-age=\"", false },
        { "max-age=60, stale-if-error=soon", false },

        // Shareable, possibly stale.
        { "", true },
        { "public, max-age=60", true },
        { "max-age=0", true },
        { "max-age=60, stale-if-error=600", true },
        { "public, max-age=60, immutable, stale-while-revalidate=30, no-transform", true },
    };

    [Theory]
    [MemberData(nameof(CacheControlRules))]
    public async Task ResponseCacheControl_DecidesWhetherCopyIsServedDuringOutage(string cacheControl, bool served)
    {
        await using var host = await StaleHost.StartAsync();
        host.Respond = (context, _) =>
        {
            if (cacheControl.Length > 0)
            {
                context.Response.Headers.CacheControl = cacheControl;
            }

            return context.Response.WriteAsync("page");
        };
        Assert.Equal("page", await host.GetBodyAsync("/page/a"));

        // A control copy of another URL proves the background write had its chance.
        host.Respond = static (context, _) => context.Response.WriteAsync("control");
        await host.GetBodyAsync("/page/control");
        await host.WaitForKeptAsync("/page/control");
        host.Broken = true;
        host.App.Time.Advance(TimeSpan.FromSeconds(1));

        using var response = await host.GetAsync("/page/a");

        Assert.Equal(served ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(response));
        if (served)
        {
            Assert.Equal("page", await response.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("99999999999999999999999999")]
    [InlineData("999999999999999")]
    public async Task HostileAge_ServedCopyHasValidAgeAndNegativeTtl(string age)
    {
        var (ageServed, ttl) = await ServeAgedCopyAsync(age, maxAge: 60);

        Assert.Equal("999999999999999", ageServed);
        Assert.Equal(60L - 999_999_999_999_999, ttl);
    }

    [Theory]
    [InlineData("-5", "30", -30L)]
    [InlineData("soon", "30", -30L)]
    [InlineData("7, 9", "37", -37L)]
    [InlineData("", "30", -30L)]
    public async Task InvalidAge_IsIgnored_ListUsesFirstMember(string age, string expectedAge, long expectedTtl)
    {
        // RFC 9111 section 5.1: an invalid Age is ignored; of a list, the first member counts.
        var (ageServed, ttl) = await ServeAgedCopyAsync(age, maxAge: null);

        Assert.Equal(expectedAge, ageServed);
        Assert.Equal(expectedTtl, ttl);
    }

    /// <summary>
    /// Keeps a copy sent with <paramref name="age"/> (and <c>max-age</c> when given), breaks the upstream 30 s later and
    /// returns the served copy's <c>Age</c> and its <c>Cache-Status</c> ttl, having checked it was served.
    /// </summary>
    private static async Task<(string Age, object? Ttl)> ServeAgedCopyAsync(string age, int? maxAge)
    {
        await using var host = await StaleHost.StartAsync();
        host.Respond = (context, _) =>
        {
            if (maxAge is { } seconds)
            {
                context.Response.Headers.CacheControl = "max-age=" + seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            context.Response.Headers.Age = age;
            return context.Response.WriteAsync("aged");
        };
        await host.GetBodyAsync("/page/a");
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;
        host.App.Time.Advance(TimeSpan.FromSeconds(30));

        using var response = await host.GetAsync("/page/a");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cacheStatus = Assert.Single(StructuredFieldList.Parse(string.Join(", ", response.Headers.GetValues("Cache-Status"))));
        return (Assert.Single(response.Headers.GetValues("Age")), cacheStatus["ttl"]);
    }

    [Fact]
    public async Task PathsDifferingInCase_GetTheirOwnCopies()
    {
        await using var host = await StaleHost.StartAsync();
        Assert.Equal("v1", await host.GetBodyAsync("/page/case/Token-ABC"));
        Assert.Equal("v2", await host.GetBodyAsync("/page/case/token-abc"));
        await host.WaitForKeptAsync("/page/case/Token-ABC");
        await host.WaitForKeptAsync("/page/case/token-abc");
        host.Broken = true;

        Assert.Equal("v1", await host.GetBodyAsync("/page/case/Token-ABC"));
        Assert.Equal("v2", await host.GetBodyAsync("/page/case/token-abc"));
        using var other = await host.GetAsync("/page/case/TOKEN-ABC");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, other.StatusCode);
    }

    [Fact]
    public async Task HostDifferingInCase_SharesTheCopy()
    {
        // RFC 3986 section 6.2.2.1: scheme and host are case-insensitive; they name the same resource.
        await using var host = await StaleHost.StartAsync();
        Assert.Equal("v1", await host.GetBodyAsync("/page/a"));
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;

        Assert.Equal("v1", await host.GetBodyAsync("/page/a", static r => r.Headers.Host = "LocalHost"));
    }

    [Fact]
    public async Task DefaultMinUses_UrlAskedForOnce_IsNotKept_AskedForTwice_IsKept()
    {
        await using var host = await StaleHost.StartAsync(static s => s.Configuration.Remove("GatewayErrors:StaleIfError:MinUses"));
        Assert.Equal(GatewayStaleIfErrorOptions.DefaultMinUses, host.App.Services.GetRequiredService<IOptions<GatewayErrorsOptions>>().Value.StaleIfError.MinUses);
        Assert.Equal("v1", await host.GetBodyAsync("/page/once"));
        Assert.Equal("v2", await host.GetBodyAsync("/page/twice"));
        Assert.Equal("v3", await host.GetBodyAsync("/page/twice"));
        await host.WaitForKeptAsync("/page/twice");
        host.Broken = true;

        Assert.Equal("v3", await host.GetBodyAsync("/page/twice"));
        using var once = await host.GetAsync("/page/once");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, once.StatusCode);
    }

    [Fact]
    public async Task SigningKeyTooShort_FailsAtStart_WithoutShowingTheKey()
    {
        const string Short = "dG9vLXNob3J0LXNlY3JldA=="; // 16 bytes
        var exception = await GatewayTestApp.AssertStartFailsAsync("GatewayErrors:StaleIfError:SigningKey", Short,
            "GatewayErrors:StaleIfError:SigningKey must be base64 of at least 32");
        Assert.DoesNotContain(Short, exception.Message, StringComparison.Ordinal);
        await GatewayTestApp.AssertStartFailsAsync("GatewayErrors:StaleIfError:SigningKey", "not base64!",
            "GatewayErrors:StaleIfError:SigningKey must be base64");
    }

    [Fact]
    public void Defaults_ArePinned()
    {
        var options = new GatewayStaleIfErrorOptions();
        Assert.Equal(2, options.MinUses);
        Assert.Equal(1000, options.MaxSharedCopiesPerRoute);
        Assert.Equal(50, options.MaxSharedWritesPerSecond);
        Assert.Null(options.SigningKey);
        Assert.Null(options.PreviousSigningKey);
    }
}
