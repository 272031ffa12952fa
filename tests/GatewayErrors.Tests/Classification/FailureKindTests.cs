using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Classification;

/// <summary>
/// Every row of the failure table, produced by a real failing upstream on 127.0.0.1 and answered through the real
/// pipeline (named client with the handler, endpoint, middleware).
/// </summary>
public sealed class FailureKindTests
{
    [Fact]
    public async Task ConnectionRefused_Returns502ConnectionRefused()
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        await AssertGatewayErrorAsync(app, "/proxy/items", 502, "connection_refused");
    }

    [Fact]
    public async Task NameDoesNotResolve_Returns502DnsError()
    {
        // The one simulated failure: there is no resolver to rely on here, so the lookup throws what the system
        // resolver throws for a missing name.
        var resolver = new ScriptedResolver((_, _) => throw new SocketException((int)SocketError.HostNotFound));
        await using var app = await GatewayTestApp.StartAsync(new Uri("http://catalog.internal.test:8080/"), s =>
            s.Services = services => services.Replace(ServiceDescriptor.Singleton<IUpstreamNameResolver>(resolver)));

        await AssertGatewayErrorAsync(app, "/proxy/items", 502, "dns_error");
        Assert.Equal("catalog.internal.test", Assert.Single(resolver.Hosts));
    }

    [Fact]
    public async Task NameLookupOutlivesItsDeadline_Returns504DnsTimeout()
    {
        var time = new FakeTimeProvider();
        var resolver = new ScriptedResolver(async (_, token) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return [];
        });
        await using var app = await GatewayTestApp.StartAsync(new Uri("http://catalog.internal.test:8080/"), s =>
        {
            s.Options = o => o.Upstreams["catalog"] = new GatewayUpstreamOptions { NameResolutionTimeout = TimeSpan.FromSeconds(3) };
            s.Services = services =>
            {
                services.Replace(ServiceDescriptor.Singleton<IUpstreamNameResolver>(resolver));
                services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
            };
        });

        var call = app.GetAsync("/proxy/items", "application/json");
        await resolver.Started.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        using var response = await call;
        await AssertGatewayErrorAsync(app, response, 504, "dns_timeout");
    }

    [Fact]
    public async Task NoRouteToAddress_Returns502DestinationIpUnroutable()
    {
        // Linux refuses a TCP connect to the broadcast address with ENETUNREACH before any packet leaves the
        // machine: a real "network unreachable" without touching anything but this host.
        await using var app = await GatewayTestApp.StartAsync(new Uri("http://255.255.255.255:9/"));

        await AssertGatewayErrorAsync(app, "/proxy/items", 502, "destination_ip_unroutable");
    }

    [Fact]
    public async Task ConnectStalls_Returns504ConnectionTimeout()
    {
        await using var upstream = await StalledConnectPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Client = client => client.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromMilliseconds(300) }));

        await AssertGatewayErrorAsync(app, "/proxy/items", 504, "connection_timeout");
    }

    [Theory]
    [InlineData(MisbehaviorMode.ResetOnConnect)]
    [InlineData(MisbehaviorMode.ResetAfterRequest)]
    [InlineData(MisbehaviorMode.CloseAfterRequest)]
    public async Task ConnectionResetOrClosedBeforeHeaders_Returns502ConnectionTerminated(MisbehaviorMode mode)
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(mode);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        await AssertGatewayErrorAsync(app, "/proxy/items", 502, "connection_terminated");
    }

    [Fact]
    public async Task UpstreamSendsGarbage_Returns502HttpProtocolError()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.Garbage);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        await AssertGatewayErrorAsync(app, "/proxy/items", 502, "http_protocol_error");
    }

    [Fact]
    public async Task HeaderSectionTooLarge_Returns502HttpResponseHeaderSectionSize()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.HugeHeader);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        await AssertGatewayErrorAsync(app, "/proxy/items", 502, "http_response_header_section_size");
    }

    [Fact]
    public async Task BodyShorterThanContentLength_Returns502HttpResponseIncomplete()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.TruncatedBody);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        // HttpClient buffers the body after the handler chain has returned, so the middleware classifies this one
        // from the exception alone and cannot name the upstream.
        await AssertGatewayErrorAsync(app, "/proxy/items", 502, "http_response_incomplete", expectedUpstream: "(unknown)");
    }

    [Fact]
    public async Task NoResponseBeforeClientTimeout_Returns504HttpResponseTimeout()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Client = client => client.ConfigureHttpClient(c => c.Timeout = TimeSpan.FromMilliseconds(300)));

        await AssertGatewayErrorAsync(app, "/proxy/items", 504, "http_response_timeout");
    }

    [Fact]
    public async Task UntrustedCertificate_Returns502TlsCertificateError()
    {
        await using var upstream = await UntrustedTlsUpstream.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        await AssertGatewayErrorAsync(app, "/proxy/items", 502, "tls_certificate_error");
    }

    [Fact]
    public async Task HandshakeRejected_Returns502TlsProtocolError()
    {
        await using var upstream = await TlsFailureUpstream.StartAsync(TlsFailureMode.HandshakeFailureAlert);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        await AssertGatewayErrorAsync(app, "/proxy/items", 502, "tls_protocol_error");
    }

    [Fact]
    public async Task Upstream503TreatedAsFailure_Returns503DestinationUnavailableWithRetryAfter()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ServerError, statusCode: 503);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Options = o => o.Upstreams["catalog"] = new GatewayUpstreamOptions { TreatServerErrorsAsFailures = true });

        using var response = await app.GetAsync("/proxy/items", "application/json");

        await AssertGatewayErrorAsync(app, response, 503, "destination_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal(503L, ProxyStatus(response)["received-status"]);
    }

    [Fact]
    public async Task Upstream500TreatedAsFailure_Returns502WithReceivedStatusAndNoErrorType()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ServerError, statusCode: 500);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Options = o => o.Upstreams["catalog"] = new GatewayUpstreamOptions { TreatServerErrorsAsFailures = true });

        using var response = await app.GetAsync("/proxy/items");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var status = ProxyStatus(response);
        Assert.Null(status["error"]);
        Assert.Equal(500L, status["received-status"]);
        Assert.Equal("upstream_server_error", SingleFailureLog(app.Logs).GetStructuredStateValue("ErrorType"));
    }

    [Fact]
    public async Task OpenCircuitInAppCode_Returns503DestinationUnavailableWithRetryAfter()
    {
        await using var upstream = await RefusedPort.StartAsync();
        var pipeline = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                BreakDuration = TimeSpan.FromSeconds(30),
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(),
            })
            .Build();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
        {
            s.AddHandler = false;
            s.Endpoints = endpoints => endpoints.Map("/guarded", async (IHttpClientFactory factory, CancellationToken token) =>
                await pipeline.ExecuteAsync(async t => await factory.CreateClient("catalog").GetStringAsync("items", t), token));
        });

        for (var i = 0; i < 2; i++)
        {
            using var tripping = await app.GetAsync("/guarded");
            Assert.Equal(HttpStatusCode.BadGateway, tripping.StatusCode);
        }

        using var response = await app.GetAsync("/guarded", "application/json");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("destination_unavailable", ProxyStatusError(response));
        Assert.InRange(response.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

        // The entry is about the circuit, not a repeat of the connection error that opened it.
        var log = app.Logs.FromGatewayErrors().Last(e => e.Id.Id == 1);
        Assert.Equal("destination_unavailable", log.GetStructuredStateValue("ErrorType"));
        Assert.Equal(nameof(BrokenCircuitException), log.GetStructuredStateValue("ExceptionType"));
    }

    [Fact]
    public async Task ConcurrencyLimitReached_Returns503ConnectionLimitReachedWithoutCallingUpstream()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Options = o => o.Upstreams["catalog"] = new GatewayUpstreamOptions { MaxConcurrentRequests = 1 });

        var first = app.GetAsync("/proxy/slow");
        await upstream.RequestReceived.WaitAsync(TimeSpan.FromSeconds(10));

        using var second = await app.GetAsync("/proxy/slow", "application/json");
        await AssertGatewayErrorAsync(app, second, 503, "connection_limit_reached");
        Assert.Equal(1, upstream.RequestCount);

        upstream.Release();
        using var firstResponse = await first;
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
    }

    private static async Task AssertGatewayErrorAsync(GatewayTestApp app, string path, int status, string errorType, string expectedUpstream = "catalog")
    {
        using var response = await app.GetAsync(path, "application/json");
        await AssertGatewayErrorAsync(app, response, status, errorType, expectedUpstream);
    }

    private static async Task AssertGatewayErrorAsync(GatewayTestApp app, HttpResponseMessage response, int status, string errorType, string expectedUpstream = "catalog")
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(errorType, ProxyStatusError(response));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        var problem = await ProblemAsync(response);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(errorType, problem.GetProperty("errorType").GetString());

        var log = SingleFailureLog(app.Logs);
        Assert.Equal(errorType, log.GetStructuredStateValue("ErrorType"));
        Assert.Equal(expectedUpstream, log.GetStructuredStateValue("Upstream"));
        Assert.Equal(status.ToString(CultureInfo.InvariantCulture), log.GetStructuredStateValue("StatusCode"));
        Assert.Equal("GET", log.GetStructuredStateValue("Method"));
        Assert.Equal(ErrorTaxonomy.Get(Enum.GetValues<GatewayErrorType>().Single(t => ErrorTaxonomy.Get(t).Name == errorType)).OwnerAdvice[0], log.GetStructuredStateValue("CheckFirst"));
    }
}
