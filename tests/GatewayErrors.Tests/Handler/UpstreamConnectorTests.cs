using System.Net;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Handler;

/// <summary>
/// The connect callback tries each resolved address in turn, as the runtime's own connect does: a name with one dead
/// address still reaches the upstream through the next one, and only the last failure is reported.
/// </summary>
public sealed class UpstreamConnectorTests
{
    [Fact]
    public async Task FirstAddressRefuses_NextAddressIsTried()
    {
        // Kestrel listens on 127.0.0.1 only: the same port on 127.0.0.2 (still loopback on Linux) refuses.
        await using var upstream = await OkUpstream.StartAsync();
        var resolver = new ScriptedResolver((_, _) => Task.FromResult(new[] { IPAddress.Parse("127.0.0.2"), IPAddress.Loopback }));
        await using var app = await GatewayTestApp.StartAsync(new Uri($"http://catalog.internal.test:{upstream.BaseAddress.Port}/"), s =>
            s.Services = services => services.Replace(ServiceDescriptor.Singleton<IUpstreamNameResolver>(resolver)));

        using var response = await app.GetAsync("/proxy/", "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Fact]
    public async Task EveryAddressRefuses_Returns502ConnectionRefused()
    {
        await using var refused = await RefusedPort.StartAsync();
        var resolver = new ScriptedResolver((_, _) => Task.FromResult(new[] { IPAddress.Parse("127.0.0.2"), IPAddress.Loopback }));
        await using var app = await GatewayTestApp.StartAsync(new Uri($"http://catalog.internal.test:{refused.Port}/"), s =>
            s.Services = services => services.Replace(ServiceDescriptor.Singleton<IUpstreamNameResolver>(resolver)));

        using var response = await app.GetAsync("/proxy/items", "application/json");

        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal("connection_refused", ProxyStatusError(response));
        Assert.Equal("connection_refused", SingleFailureLog(app.Logs).GetStructuredStateValue("ErrorType"));
        Assert.Equal("catalog.internal.test", Assert.Single(resolver.Hosts));
    }
}
