using System.Net;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using GatewayErrors.Yarp.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using static GatewayErrors.Yarp.Tests.TestSupport.GatewayErrorAssertions;

namespace GatewayErrors.Yarp.Tests;

/// <summary>
/// The phase rule on YARP's path: a call that never got a connection is named by the phase the connection was in,
/// whichever timer ended it (<c>ConnectTimeout</c>, YARP's activity timeout), as for an HttpClient call. Real YARP, a
/// real port whose accept queue is full; only the hung name lookup is simulated, through the resolver seam.
/// </summary>
public sealed class ConnectionPhaseTests
{
    // The calls never complete, so nothing races these: they only decide how long each test takes.
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FullAcceptQueue_ConnectTimeoutElapses_Returns504ConnectionTimeout()
    {
        await using var upstream = await StalledConnectPort.StartAsync();
        await using var gateway = await StartAsync(upstream.BaseAddress, connectTimeout: Short, activityTimeout: Long);

        using var response = await gateway.GetAsync("/orders/42", "application/json");

        await AssertGatewayErrorAsync(response, HttpStatusCode.GatewayTimeout, "connection_timeout", "application/problem+json", $":{upstream.Port}");
        SingleFailureLog(gateway, "connection_timeout");
    }

    [Fact]
    public async Task FullAcceptQueue_ActivityTimeoutElapses_Returns504ConnectionTimeout()
    {
        // Before the phase rule reached YARP this was http_response_timeout: the operator looked at the upstream's
        // response time when the upstream was not accepting connections.
        await using var upstream = await StalledConnectPort.StartAsync();
        await using var gateway = await StartAsync(upstream.BaseAddress, connectTimeout: Long, activityTimeout: Short);

        using var response = await gateway.GetAsync("/orders/42", "application/json");

        await AssertGatewayErrorAsync(response, HttpStatusCode.GatewayTimeout, "connection_timeout", "application/problem+json", $":{upstream.Port}");
        SingleFailureLog(gateway, "connection_timeout");
    }

    [Fact]
    public async Task HungLookup_ConnectTimeoutElapses_Returns504DnsTimeout()
    {
        // ConnectTimeout bounds the lookup too (NameResolutionTimeout, 10 s by default, is longer here).
        var resolver = HungResolver();
        await using var gateway = await StartAsync(HungHost, connectTimeout: Short, activityTimeout: Long, resolver);

        using var response = await gateway.GetAsync("/orders/42", "application/json");

        await AssertGatewayErrorAsync(response, HttpStatusCode.GatewayTimeout, "dns_timeout", "application/problem+json", "internal.test");
        SingleFailureLog(gateway, "dns_timeout");
        Assert.Contains("catalog.internal.test", resolver.Hosts);
    }

    [Fact]
    public async Task HungLookup_ActivityTimeoutElapses_Returns504DnsTimeout()
    {
        var resolver = HungResolver();
        await using var gateway = await StartAsync(HungHost, connectTimeout: Long, activityTimeout: Short, resolver);

        using var response = await gateway.GetAsync("/orders/42", "application/json");

        await AssertGatewayErrorAsync(response, HttpStatusCode.GatewayTimeout, "dns_timeout", "application/problem+json", "internal.test");
        SingleFailureLog(gateway, "dns_timeout");
    }

    [Theory]
    [InlineData("1.1", "1")]
    [InlineData("2", null)]
    public async Task CallsQueuedBehindAnotherCallsAttempt_ActivityTimeoutElapses_AllReturn504ConnectionTimeout(string version, string? maxConnections)
    {
        // The calls that did not start the attempt wait for it just the same: HTTP/2 (h2c here) sets up one connection
        // at a time for everyone, and HTTP/1.1 starts no attempt beyond MaxConnectionsPerServer.
        await using var upstream = await StalledConnectPort.StartAsync();
        await using var gateway = await StartAsync(upstream.BaseAddress, connectTimeout: Long, activityTimeout: Short, configure: s =>
        {
            s.Configuration["ReverseProxy:Clusters:catalog:HttpRequest:Version"] = version;
            s.Configuration["ReverseProxy:Clusters:catalog:HttpRequest:VersionPolicy"] = "RequestVersionExact";
            s.Configuration["ReverseProxy:Clusters:catalog:HttpClient:MaxConnectionsPerServer"] = maxConnections;
        });

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => gateway.GetAsync($"/orders/{i}", "application/json")));

        foreach (var response in responses)
        {
            using (response)
            {
                await AssertGatewayErrorAsync(response, HttpStatusCode.GatewayTimeout, "connection_timeout", "application/problem+json");
            }
        }

        Assert.All(gateway.GatewayErrorsLogs.Where(static r => r.Id.Id == 1), static r => Assert.Equal("connection_timeout", r.GetStructuredStateValue("ErrorType")));
    }

    [Fact]
    public async Task TlsHandshakeStalls_ActivityTimeoutElapses_Returns502TlsProtocolError()
    {
        // RFC 9209 has no TLS timeout: a handshake that did not finish in time is a failed handshake, as on the
        // HttpClient path.
        await using var upstream = await TlsFailureUpstream.StartAsync(TlsFailureMode.StallAfterClientHello);
        await using var gateway = await StartAsync(upstream.BaseAddress, connectTimeout: Long, activityTimeout: Short);

        using var response = await gateway.GetAsync("/orders/42", "application/json");

        await AssertGatewayErrorAsync(response, HttpStatusCode.BadGateway, "tls_protocol_error", "application/problem+json");
        SingleFailureLog(gateway, "tls_protocol_error");
        Assert.True(upstream.ClientHelloReceived.IsCompleted);
    }

    [Fact]
    public async Task StallBeforeHeaders_ActivityTimeoutElapses_StillReturns504HttpResponseTimeout()
    {
        // Connected: now it is the response that is late, whatever the connector remembers of the attempt.
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var gateway = await StartAsync(upstream.BaseAddress, connectTimeout: Long, activityTimeout: Short);

        using var response = await gateway.GetAsync("/orders/42", "application/json");

        await AssertGatewayErrorAsync(response, HttpStatusCode.GatewayTimeout, "http_response_timeout", "application/problem+json");
        SingleFailureLog(gateway, "http_response_timeout");
    }

    [Fact]
    public async Task SocketsHttpHandler_EndsCallsWithoutAConnectionInTheShapesTheAdapterReads()
    {
        // The runtime's shapes ClusterConnectors tells apart; if a runtime update changes them, this fails first.
        await using var stalledConnect = await StalledConnectPort.StartAsync();
        await using var stalledAnswer = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);

        // Queued for a connection when the call's own token fired: a bare cancellation.
        using (var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = Long }))
        {
            var queued = await CallAsync(invoker, stalledConnect.BaseAddress);
            Assert.Null(queued.InnerException);
        }

        // ConnectTimeout: a cancellation over a TimeoutException, for the call that started the attempt.
        using (var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromMilliseconds(300) }))
        {
            var connectTimeout = await CallAsync(invoker, stalledConnect.BaseAddress, Long);
            Assert.IsType<TimeoutException>(connectTimeout.InnerException);
        }

        // Cancelled on its HTTP/1.1 connection: the aborted read is the inner exception.
        using (var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = Long }))
        {
            var onConnection = await CallAsync(invoker, stalledAnswer.BaseAddress);
            Assert.IsAssignableFrom<IOException>(onConnection.InnerException);
        }
    }

    private static readonly Uri HungHost = new("http://catalog.internal.test:8080/");

    private static ScriptedResolver HungResolver()
        => new((_, _) => new TaskCompletionSource<IPAddress[]>(TaskCreationOptions.RunContinuationsAsynchronously).Task);

    private static async Task<OperationCanceledException> CallAsync(HttpMessageInvoker invoker, Uri address, TimeSpan? cancelAfter = null)
    {
        using var cancel = new CancellationTokenSource(cancelAfter ?? TimeSpan.FromMilliseconds(300));
        using var request = new HttpRequestMessage(HttpMethod.Get, address);
        return await Assert.ThrowsAnyAsync<OperationCanceledException>(() => invoker.SendAsync(request, cancel.Token));
    }

    private static Task<YarpTestGateway> StartAsync(Uri destination, TimeSpan connectTimeout, TimeSpan activityTimeout, ScriptedResolver? resolver = null,
        Action<YarpTestGatewaySettings>? configure = null)
        => YarpTestGateway.StartAsync(destination, s =>
        {
            s.ActivityTimeout = activityTimeout;
            s.Services = services =>
            {
                if (resolver is not null)
                {
                    services.Replace(ServiceDescriptor.Singleton<IUpstreamNameResolver>(resolver));
                }

                // YARP's factory sets ConnectTimeout to 15 s; the adapter's factory, with a shorter one for the test.
                services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory>(provider =>
                    ActivatorUtilities.CreateInstance<ConnectTimeoutFactory>(provider, connectTimeout)));
            };
            configure?.Invoke(s);
        });

    /// <summary>The adapter's factory with the connect timeout a test needs.</summary>
    private sealed class ConnectTimeoutFactory(ILogger<ForwarderHttpClientFactory> logger, IOptionsMonitor<GatewayErrorsOptions> options,
        IUpstreamNameResolver resolver, TimeProvider timeProvider, ClusterConnectors connectors, TimeSpan connectTimeout)
        : GatewayErrorsForwarderHttpClientFactory(logger, options, resolver, timeProvider, connectors)
    {
        protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
        {
            base.ConfigureHandler(context, handler);
            handler.ConnectTimeout = connectTimeout;
        }
    }
}
