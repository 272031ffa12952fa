using System.Net;
using GatewayErrors.Tests.Upstreams;
using GatewayErrors.Yarp.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Forwarder;
using static GatewayErrors.Yarp.Tests.TestSupport.GatewayErrorAssertions;

namespace GatewayErrors.Yarp.Tests;

/// <summary>The connect phase: YARP's default factory gets the core's connect callback; an app's own factory is kept.</summary>
public sealed class ClientFactoryTests
{
    [Fact]
    public async Task DefaultFactory_IsReplacedByOneWithTheConnectCallback()
    {
        await using var upstream = await OkUpstream.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(upstream.BaseAddress);

        Assert.IsType<GatewayErrorsForwarderHttpClientFactory>(gateway.Services.GetRequiredService<IForwarderHttpClientFactory>());
        using var response = await gateway.GetAsync("/");
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AppsOwnFactory_RegisteredBeforeOrAfter_KeepsWorkingAndItsFailuresAreStillClassified()
    {
        await using var upstream = await OkUpstream.StartAsync();
        await using var refused = await RefusedPort.StartAsync();
        var factory = new StampingFactory();

        foreach (var registerFirst in new[] { true, false })
        {
            await using var gateway = await YarpTestGateway.StartAsync(upstream.BaseAddress, s =>
            {
                s.Configuration["ReverseProxy:Clusters:refused:Destinations:d1:Address"] = refused.BaseAddress.ToString();
                s.Configuration["ReverseProxy:Routes:refused:ClusterId"] = "refused";
                s.Configuration["ReverseProxy:Routes:refused:Match:Path"] = "/refused/{**rest}";
                Action<IServiceCollection> register = services => services.AddSingleton<IForwarderHttpClientFactory>(factory);
                if (registerFirst)
                {
                    s.ServicesFirst = register;
                }
                else
                {
                    s.Services = register;
                }
            });

            Assert.Same(factory, gateway.Services.GetRequiredService<IForwarderHttpClientFactory>());
            using var ok = await gateway.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

            using var failed = await gateway.GetAsync("/refused/x", "application/json");
            await AssertGatewayErrorAsync(failed, HttpStatusCode.BadGateway, "connection_refused", "application/problem+json");
        }

        Assert.True(factory.Created > 0);
    }

    /// <summary>An app's factory that counts the clients it built, to prove YARP used it.</summary>
    private sealed class StampingFactory : ForwarderHttpClientFactory
    {
        private int _created;

        public int Created => Volatile.Read(ref _created);

        protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
        {
            base.ConfigureHandler(context, handler);
            Interlocked.Increment(ref _created);
        }
    }
}
