using System.Text.RegularExpressions;
using GatewayErrors.Tests.Upstreams;
using GatewayErrors.Yarp.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GatewayErrors.Yarp.Tests;

/// <summary>
/// Page sets from YARP's configuration: a route's or a cluster's <c>GatewayErrors.Page</c> metadata chooses the error
/// page templates of the requests it proxies (the route's wins), against a real refusing upstream.
/// </summary>
public sealed class PageSetTests
{
    private const string PageKey = "GatewayErrors.Page";

    private static Action<YarpTestGatewaySettings> Configure(Action<Dictionary<string, string?>> more) => s =>
    {
        s.Configuration["GatewayErrors:Templates:502"] = "<p id=t>site</p>";
        s.Configuration["GatewayErrors:Templates:shop/502"] = "<p id=t>shop {{ upstream }}</p>";
        s.Configuration["GatewayErrors:Templates:checkout/connection_refused"] = "<p id=t>checkout {{ error_type }}</p>";
        s.Configuration["ReverseProxy:Routes:route2:ClusterId"] = s.ClusterId;
        s.Configuration["ReverseProxy:Routes:route2:Match:Path"] = "/checkout/{**rest}";
        more(s.Configuration);
    };

    private static async Task<string?> PageTextAsync(YarpTestGateway gateway, string path)
    {
        using var response = await gateway.GetAsync(path, "text/html");
        Assert.Equal(502, (int)response.StatusCode);
        var match = Regex.Match(await response.Content.ReadAsStringAsync(), "<p id=t>([^<]*)</p>");
        return match.Success ? match.Groups[1].Value : null;
    }

    [Fact]
    public async Task ClusterMetadata_ChoosesThePageSet_AndARoutesOwnWins()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(refused.BaseAddress, Configure(c =>
        {
            c[$"ReverseProxy:Clusters:catalog:Metadata:{PageKey}"] = "shop";
            c[$"ReverseProxy:Routes:route2:Metadata:{PageKey}"] = "checkout";
        }));

        Assert.Equal("shop catalog", await PageTextAsync(gateway, "/items"));
        Assert.Equal("checkout connection_refused", await PageTextAsync(gateway, "/checkout/pay"));
        Assert.Equal("shop catalog", await PageTextAsync(gateway, "/items"));
    }

    [Fact]
    public async Task RouteMetadata_WithoutClusterMetadata_OnlyThatRoute()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(refused.BaseAddress, Configure(c => c[$"ReverseProxy:Routes:route2:Metadata:{PageKey}"] = "checkout"));

        Assert.Equal("site", await PageTextAsync(gateway, "/items"));
        Assert.Equal("checkout connection_refused", await PageTextAsync(gateway, "/checkout/pay"));
    }

    [Theory]
    [InlineData("ReverseProxy:Routes:route2:Metadata:" + PageKey, "route 'route2'")]
    [InlineData("ReverseProxy:Clusters:catalog:Metadata:" + PageKey, "cluster 'catalog'")]
    public async Task UnknownPageSet_StopsTheStart_NamingTheRouteOrCluster(string key, string who)
    {
        await using var refused = await RefusedPort.StartAsync();

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => YarpTestGateway.StartAsync(refused.BaseAddress, Configure(c => c[key] = "basket")));

        var messages = string.Join(" | ", Chain(exception).Select(static e => e.Message));
        Assert.Contains(who, messages, StringComparison.Ordinal);
        Assert.Contains("'basket'", messages, StringComparison.Ordinal);
        Assert.Contains("There are: checkout, shop.", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReloadNamingAnUnknownPageSet_IsRejected_AndTheLastGoodConfigurationKeepsAnswering()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(refused.BaseAddress, Configure(c => c[$"ReverseProxy:Routes:route2:Metadata:{PageKey}"] = "checkout"));
        var configuration = (IConfigurationRoot)gateway.Services.GetRequiredService<IConfiguration>();

        configuration[$"ReverseProxy:Routes:route2:Metadata:{PageKey}"] = "basket";
        configuration.Reload();
        var rejected = await gateway.WaitForLogAsync(static r => r.Level >= LogLevel.Error && r.Category?.StartsWith("Yarp", StringComparison.Ordinal) == true);

        Assert.Contains("'basket'", string.Join(" | ", Chain(rejected.Exception!).Select(static e => e.Message)), StringComparison.Ordinal);
        Assert.Equal("checkout connection_refused", await PageTextAsync(gateway, "/checkout/pay"));
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var current))
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
