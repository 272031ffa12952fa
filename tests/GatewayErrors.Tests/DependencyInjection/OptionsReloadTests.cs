using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.DependencyInjection;

/// <summary>
/// A configuration reload while the app runs (an edited appsettings.json): a valid one applies at once, an invalid one
/// is refused with a log entry that names the keys, and failures go on being answered with the last valid settings.
/// </summary>
public sealed class OptionsReloadTests
{
    [Fact]
    public async Task InvalidReload_KeepsTheLastValidOptions_AndSaysWhy()
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
        {
            s.Configuration["GatewayErrors:ProxyName"] = "edge";
            s.Configuration["GatewayErrors:Upstreams:catalog:DisplayName"] = "Catalog";
        });
        await AssertAnsweredAsync(app, "edge", "Catalog");

        Reload(app, ("GatewayErrors:ProxyName", ""), ("GatewayErrors:Upstreams:catalog:DisplayName", "Inventory"),
            ("GatewayErrors:Upstreams:catalog:MaxConcurrentRequests", "0"));

        var rejected = Assert.Single(app.Logs.GetSnapshot(), r => r.Id.Name == "OptionsReloadRejected");
        Assert.Equal(LogLevel.Error, rejected.Level);
        Assert.Contains("GatewayErrors:ProxyName = ''", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("GatewayErrors:Upstreams:catalog:MaxConcurrentRequests = 0", rejected.Message, StringComparison.Ordinal);
        // Neither invalid value nor the valid one beside it was applied: the reload is refused as a whole.
        await AssertAnsweredAsync(app, "edge", "Catalog");
        Assert.Equal("Catalog", app.Services.GetRequiredService<IOptionsMonitor<GatewayErrorsOptions>>().CurrentValue.Upstreams["catalog"].DisplayName);

        // Fixed: the next reload applies, and listeners hear of it.
        var heard = new List<string?>();
        using var subscription = app.Services.GetRequiredService<IOptionsMonitor<GatewayErrorsOptions>>().OnChange(o => heard.Add(o.ProxyName));
        Reload(app, ("GatewayErrors:ProxyName", "edge-2"), ("GatewayErrors:Upstreams:catalog:MaxConcurrentRequests", null));

        await AssertAnsweredAsync(app, "edge-2", "Inventory");
        // Each configuration provider's reload raises a change of its own, so a listener may hear the same options twice.
        Assert.NotEmpty(heard);
        Assert.All(heard, proxyName => Assert.Equal("edge-2", proxyName));

        // Unsubscribed: later reloads still apply, but the listener hears no more.
        subscription!.Dispose();
        var heardBefore = heard.Count;
        Reload(app, ("GatewayErrors:ProxyName", "edge-3"));
        await AssertAnsweredAsync(app, "edge-3", "Inventory");
        Assert.Equal(heardBefore, heard.Count);
    }

    [Fact]
    public async Task ValueTheBinderCannotConvert_OnReload_IsRefusedToo()
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s => s.Configuration["GatewayErrors:ProxyName"] = "edge");

        Reload(app, ("GatewayErrors:Upstreams:catalog:NameResolutionTimeout", "soon"));

        var rejected = Assert.Single(app.Logs.GetSnapshot(), r => r.Id.Name == "OptionsReloadRejected");
        Assert.Contains("soon", rejected.Message, StringComparison.Ordinal);
        await AssertAnsweredAsync(app, "edge", "catalog");
    }

    private static void Reload(GatewayTestApp app, params (string Key, string? Value)[] settings)
    {
        // The test's keys live in the last provider (an in-memory one); changing it directly raises no change, so the
        // edit reaches the app the way a saved appsettings.json does: all at once, one reload.
        var configuration = (IConfigurationRoot)app.App.Configuration;
        var provider = configuration.Providers.OfType<MemoryConfigurationProvider>().Last();
        foreach (var (key, value) in settings)
        {
            provider.Set(key, value);
        }

        configuration.Reload();
    }

    private static async Task AssertAnsweredAsync(GatewayTestApp app, string proxyName, string displayName)
    {
        using var response = await app.GetAsync("/proxy/items", "application/json");

        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal(proxyName, ProxyStatus(response).Value.ToString());
        Assert.Equal("connection_refused", ProxyStatusError(response));
        Assert.Equal(displayName, (await ProblemAsync(response)).GetProperty("upstream").GetString());
    }
}
