using System.Net;
using System.Net.Sockets;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using GatewayErrors.Yarp.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;
using static GatewayErrors.Yarp.Tests.TestSupport.GatewayErrorAssertions;

namespace GatewayErrors.Yarp.Tests;

/// <summary>
/// A real YARP proxy in front of the core suite's real misbehaving upstreams: each failure YARP reports before the
/// response started is answered with the most specific type, its status, Proxy-Status, no-store, the body the client
/// asked for, one log entry naming the cluster, and nothing private in Production.
/// </summary>
public sealed class ForwarderFailureTests
{
    /// <summary>
    /// For the upstreams that stall: short enough to keep the suite fast, and they never answer, so nothing races it.
    /// Every other upstream gets <see cref="AnswerTimeout"/>: on a loaded machine a reset or garbage answer can take
    /// longer than half a second, and must not turn into a 504.
    /// </summary>
    private static readonly TimeSpan StallTimeout = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ConnectionRefused_Returns502ConnectionRefused()
    {
        await using var port = await RefusedPort.StartAsync();
        await AssertEveryAcceptAsync(port.BaseAddress, HttpStatusCode.BadGateway, "connection_refused", port.Port);
    }

    [Theory]
    [InlineData(MisbehaviorMode.ResetOnConnect, HttpStatusCode.BadGateway, "connection_terminated")]
    [InlineData(MisbehaviorMode.ResetAfterRequest, HttpStatusCode.BadGateway, "connection_terminated")]
    [InlineData(MisbehaviorMode.CloseAfterRequest, HttpStatusCode.BadGateway, "connection_terminated")]
    [InlineData(MisbehaviorMode.Garbage, HttpStatusCode.BadGateway, "http_protocol_error")]
    [InlineData(MisbehaviorMode.HugeHeader, HttpStatusCode.BadGateway, "http_response_header_section_size")]
    [InlineData(MisbehaviorMode.StallBeforeHeaders, HttpStatusCode.GatewayTimeout, "http_response_timeout")]
    public async Task MisbehavingUpstream_ReturnsTheSpecificType(MisbehaviorMode mode, HttpStatusCode status, string token)
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(mode);
        var timeout = mode == MisbehaviorMode.StallBeforeHeaders ? StallTimeout : AnswerTimeout;
        await AssertEveryAcceptAsync(upstream.BaseAddress, status, token, upstream.Port, configure: s => s.ActivityTimeout = timeout);
    }

    [Fact]
    public async Task UntrustedCertificate_Returns502TlsCertificateError()
    {
        await using var upstream = await UntrustedTlsUpstream.StartAsync();
        await AssertEveryAcceptAsync(upstream.BaseAddress, HttpStatusCode.BadGateway, "tls_certificate_error", upstream.BaseAddress.Port);
    }

    [Fact]
    public async Task NameDoesNotResolve_Returns502DnsError()
    {
        var resolver = new ScriptedResolver(static (_, _) => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)));
        await AssertEveryAcceptAsync(new Uri("http://catalog.internal.test:8080/"), HttpStatusCode.BadGateway, "dns_error", 8080, resolver);
        Assert.Contains("catalog.internal.test", resolver.Hosts);
    }

    [Fact]
    public async Task LookupHangs_Returns504DnsTimeoutWithinNameResolutionTimeout()
    {
        // The lookup never answers; GatewayErrors' connect callback ends it after NameResolutionTimeout, long before
        // YARP's activity timeout (100 s by default) would have answered 504 for "no response".
        var resolver = new ScriptedResolver(static async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return [];
        });
        await AssertEveryAcceptAsync(new Uri("http://catalog.internal.test:8080/"), HttpStatusCode.GatewayTimeout, "dns_timeout", 8080, resolver,
            configure: s =>
            {
                s.ActivityTimeout = TimeSpan.FromSeconds(30);
                s.Configuration["GatewayErrors:Upstreams:catalog:NameResolutionTimeout"] = "00:00:00.2";
            });
    }

    [Fact]
    public async Task NoDestinations_Returns503DestinationUnavailable()
    {
        await using var gateway = await YarpTestGateway.StartAsync(destination: null);

        using var response = await gateway.GetAsync("/", "application/json");

        await AssertGatewayErrorAsync(response, HttpStatusCode.ServiceUnavailable, "destination_unavailable", "application/problem+json");
        SingleFailureLog(gateway, "destination_unavailable");
    }

    [Fact]
    public async Task EveryDestinationUnhealthy_Returns503DestinationUnavailable()
    {
        await using var upstream = await OkUpstream.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(upstream.BaseAddress, s =>
        {
            s.Configuration["ReverseProxy:Clusters:catalog:HealthCheck:Passive:Enabled"] = "true";
            // YARP's default policy (HealthyOrPanic) sends to unhealthy destinations when none is healthy.
            s.Configuration["ReverseProxy:Clusters:catalog:HealthCheck:AvailableDestinationsPolicy"] = "HealthyAndUnknown";
        });
        var requestsBefore = upstream.RequestCount;

        // What a failing health check does: mark the cluster's only destination unhealthy (for an hour, so it stays).
        Assert.True(gateway.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster("catalog", out var cluster));
        var destination = Assert.Single(cluster.Destinations.Values);
        gateway.Services.GetRequiredService<IDestinationHealthUpdater>().SetPassive(cluster, destination, DestinationHealth.Unhealthy, TimeSpan.FromHours(1));
        // YARP recomputes the cluster's available destinations on a thread-pool task (SetPassive returns before): wait
        // for the cluster to show none, as a request after a real health check failure would find it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (cluster.DestinationsState.AvailableDestinations.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "YARP did not take the unhealthy destination out of the cluster within 10 s.");
            await Task.Delay(10);
        }

        using var response = await gateway.GetAsync("/", "application/json");

        await AssertGatewayErrorAsync(response, HttpStatusCode.ServiceUnavailable, "destination_unavailable", "application/problem+json");
        SingleFailureLog(gateway, "destination_unavailable");
        Assert.Equal(requestsBefore, upstream.RequestCount);
    }

    [Fact]
    public async Task DisplayName_ComesFromTheClustersUpstreamSettings()
    {
        await using var port = await RefusedPort.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(port.BaseAddress,
            s => s.Configuration["GatewayErrors:Upstreams:catalog:DisplayName"] = "Product catalogue");

        using var response = await gateway.GetAsync("/", "application/json");

        var body = await AssertGatewayErrorAsync(response, HttpStatusCode.BadGateway, "connection_refused", "application/problem+json");
        Assert.Contains("\"upstream\":\"Product catalogue\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_ShowsTheDestinationsAddressIdAndTheCause()
    {
        await using var port = await RefusedPort.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(port.BaseAddress, s => s.Environment = "Development");

        using var response = await gateway.GetAsync("/", "application/json");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var proxyStatus = ProxyStatus(response);
        Assert.Equal("connection_refused", Assert.IsType<Token>(proxyStatus["error"]).Value);
        Assert.Equal($"127.0.0.1:{port.Port}", proxyStatus["next-hop"]);
        Assert.StartsWith("destination primary: ", Assert.IsType<string>(proxyStatus["details"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeadRequest_GetsTheStatusAndHeadersWithoutABody()
    {
        await using var port = await RefusedPort.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(port.BaseAddress);

        using var response = await gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("connection_refused", Assert.IsType<Token>(ProxyStatus(response)["error"]).Value);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>One proxy, three clients (browser, API, script): the same failure in each body, logged once.</summary>
    private static async Task AssertEveryAcceptAsync(Uri destination, HttpStatusCode status, string token, int port,
        ScriptedResolver? resolver = null, Action<YarpTestGatewaySettings>? configure = null)
    {
        await using var gateway = await YarpTestGateway.StartAsync(destination, s =>
        {
            s.ActivityTimeout = AnswerTimeout;
            if (resolver is not null)
            {
                s.Services = services => services.Replace(ServiceDescriptor.Singleton<IUpstreamNameResolver>(resolver));
            }

            configure?.Invoke(s);
        });

        foreach (var (accept, mediaType) in Negotiation)
        {
            using var response = await gateway.GetAsync("/orders/42", accept);
            await AssertGatewayErrorAsync(response, status, token, mediaType, $":{port}", "127.0.0.1", "Exception");
        }

        // Three failures within the summary window: one entry in full, the repeats counted.
        SingleFailureLog(gateway, token);
    }
}
