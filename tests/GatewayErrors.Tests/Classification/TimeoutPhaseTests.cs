using System.Globalization;
using System.Net;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Polly;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Classification;

/// <summary>
/// The phase rule: whichever timer fires (ConnectTimeout, HttpClient.Timeout, a resilience pipeline's timeout, the
/// app's own deadline), the answer names the phase the call was in. Real upstreams on 127.0.0.1; only the hung name
/// lookup is simulated, through the resolver seam.
/// </summary>
public sealed class TimeoutPhaseTests
{
    // Long enough for the call to reach its phase on a busy machine (a lookup or a connect starts at once), short enough
    // to keep the run quick. Tests that need the phase reached for certain fire the app's own deadline on a signal.
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task HungLookup_ConnectTimeoutElapses_Returns504DnsTimeout()
    {
        // The app's ConnectTimeout bounds the lookup too, even when the resolver ignores cancellation (as getaddrinfo
        // does on Linux). NameResolutionTimeout runs on a clock nobody moves, so only ConnectTimeout can end the call.
        var resolver = HungResolver();
        await using var app = await StartAsync(resolver, new FakeTimeProvider(), client => client
            .ConfigurePrimaryHttpMessageHandler((handler, _) => ((SocketsHttpHandler)handler).ConnectTimeout = Short));

        using var response = await app.GetAsync("/proxy/items", "application/json");

        await AssertTimeoutAsync(app, response, 504, "dns_timeout");
        var log = SingleFailureLog(app.Logs);
        Assert.Equal(nameof(TimeoutException), log.GetStructuredStateValue("ExceptionType"));
        Assert.Contains("ConnectTimeout", log.GetStructuredStateValue("ExceptionMessage"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HungLookup_HttpClientTimeoutElapses_Returns504DnsTimeout()
    {
        // Before the phase rule this was answered http_response_timeout: the operator looked at the upstream's
        // response time when the problem was DNS.
        var resolver = HungResolver();
        await using var app = await StartAsync(resolver, new FakeTimeProvider(), client => client.ConfigureHttpClient(c => c.Timeout = Short));

        using var response = await app.GetAsync("/proxy/items", "application/json");

        await AssertTimeoutAsync(app, response, 504, "dns_timeout");
    }

    [Fact]
    public async Task HungLookup_AppDeadlineElapses_Returns504DnsTimeout()
    {
        var resolver = HungResolver();
        await using var app = await StartAsync(resolver, new FakeTimeProvider(), endpoints: app => app.MapGet("/deadline", async (HttpContext context, IHttpClientFactory factory) =>
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            deadline.CancelAfter(Short);
            using var upstream = await factory.CreateClient("catalog").GetAsync("items", deadline.Token);
            return Results.Ok();
        }));

        using var response = await app.GetAsync("/deadline", "application/json");

        await AssertTimeoutAsync(app, response, 504, "dns_timeout");
    }

    [Fact]
    public async Task FullAcceptQueue_HttpClientTimeoutElapses_Returns504ConnectionTimeout()
    {
        await using var upstream = await StalledConnectPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Client = client => client.ConfigureHttpClient(c => c.Timeout = Short));

        using var response = await app.GetAsync("/proxy/items", "application/json");

        await AssertTimeoutAsync(app, response, 504, "connection_timeout");
    }

    [Fact]
    public async Task TlsHandshakeStalls_AppDeadlineElapses_Returns502TlsProtocolError()
    {
        // RFC 9209 has no TLS timeout: a handshake that did not finish in time is a failed handshake. The deadline is
        // the app's own, fired once the upstream has read the ClientHello, so the call is in the handshake for certain.
        await using var upstream = await TlsFailureUpstream.StartAsync(TlsFailureMode.StallAfterClientHello);
        using var deadline = new CancellationTokenSource();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s => s.Endpoints = app =>
            app.MapGet("/deadline", async (HttpContext context, IHttpClientFactory factory) =>
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, deadline.Token);
                using var answer = await factory.CreateClient("catalog").GetAsync("items", linked.Token);
                return Results.Ok();
            }));

        var call = app.GetAsync("/deadline", "application/json");
        await upstream.ClientHelloReceived.WaitAsync(TimeSpan.FromSeconds(10));
        await deadline.CancelAsync();
        using var response = await call;

        await AssertTimeoutAsync(app, response, 502, "tls_protocol_error");
    }

    [Fact]
    public async Task StallBeforeHeaders_HttpClientTimeoutElapses_Returns504HttpResponseTimeout()
    {
        // Connected (the connection is marked ready once the plaintext stream exists): now it is the response that is late.
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Client = client => client.ConfigureHttpClient(c => c.Timeout = Short));

        using var response = await app.GetAsync("/proxy/items", "application/json");

        await AssertTimeoutAsync(app, response, 504, "http_response_timeout");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HungLookup_ResilienceAttemptTimeoutElapses_Returns504DnsTimeout(bool handlerOutside)
    {
        // Microsoft.Extensions.Http.Resilience with only an attempt timeout, on either side of the GatewayErrors handler:
        // outside, the handler sees Polly's TimeoutRejectedException; inside, it sees its token cancelled by Polly.
        var resolver = HungResolver();
        await using var app = await StartAsync(resolver, time: null, client: client => AddAttemptTimeout(client, handlerOutside), addHandler: false);

        using var response = await app.GetAsync("/proxy/items", "application/json");

        await AssertTimeoutAsync(app, response, 504, "dns_timeout");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StallBeforeHeaders_ResilienceAttemptTimeoutElapses_Returns504HttpResponseTimeout(bool handlerOutside)
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
        {
            s.AddHandler = false;
            s.Client = client => AddAttemptTimeout(client, handlerOutside);
        });

        using var response = await app.GetAsync("/proxy/items", "application/json");

        await AssertTimeoutAsync(app, response, 504, "http_response_timeout");
    }

    [Fact]
    public async Task StallAfterHeaders_ResilienceAttemptTimeout_DoesNotCoverTheBody_HttpClientTimeoutAnswers504HttpResponseTimeout()
    {
        // What really happens: the attempt ends when the handler chain returns the headers, and HttpClient buffers the
        // body afterwards, outside every handler and so outside the pipeline. Only HttpClient.Timeout (or the app's
        // own deadline) ends a stalled body; it is then a response timeout, in the body phase.
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallMidBody);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s => s.Client = client =>
        {
            AddAttemptTimeout(client, handlerOutside: true);
            client.ConfigureHttpClient(c => c.Timeout = TimeSpan.FromSeconds(2));
        });

        using var response = await app.GetAsync("/proxy/items", "application/json");

        Assert.Equal(504, (int)response.StatusCode);
        Assert.Equal("http_response_timeout", ProxyStatusError(response));
        var log = SingleFailureLog(app.Logs);
        Assert.Equal(nameof(TimeoutException), log.GetStructuredStateValue("ExceptionType"));
        Assert.DoesNotContain(app.Logs.GetSnapshot(), static e => e.Message.Contains("TimeoutRejectedException", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HungLookup_ClientGoesAway_IsNotAnUpstreamFailure()
    {
        var resolver = HungResolver();
        await using var app = await StartAsync(resolver, new FakeTimeProvider());
        using var leave = new CancellationTokenSource();

        var call = app.GetAsync("/proxy/items", "application/json", leave.Token);
        await resolver.Started.WaitAsync(TimeSpan.FromSeconds(10));
        await leave.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var aborted = await app.Logs.WaitForAsync(static e => e.Id.Name == "ClientAborted");
        Assert.Equal("catalog", aborted.GetStructuredStateValue("Upstream"));
        Assert.DoesNotContain(app.Logs.FromGatewayErrors(), static e => e.Id.Id == 1);
    }

    private static ScriptedResolver HungResolver()
        => new((_, _) => new TaskCompletionSource<IPAddress[]>(TaskCreationOptions.RunContinuationsAsynchronously).Task);

    private static void AddAttemptTimeout(IHttpClientBuilder client, bool handlerOutside)
    {
        // The first handler added is the outermost.
        if (handlerOutside)
        {
            client.AddGatewayErrorsHandler();
        }

        client.AddResilienceHandler("attempt", pipeline => pipeline.AddTimeout(Short));
        if (!handlerOutside)
        {
            client.AddGatewayErrorsHandler();
        }
    }

    private static Task<GatewayTestApp> StartAsync(ScriptedResolver resolver, FakeTimeProvider? time, Action<IHttpClientBuilder>? client = null,
        Action<WebApplication>? endpoints = null, bool addHandler = true)
        => GatewayTestApp.StartAsync(new Uri("http://catalog.internal.test:8080/"), s =>
        {
            s.Time = time;
            s.AddHandler = addHandler;
            s.Client = client;
            s.Endpoints = endpoints;
            s.Services = services => services.Replace(ServiceDescriptor.Singleton<IUpstreamNameResolver>(resolver));
        });

    private static async Task AssertTimeoutAsync(GatewayTestApp app, HttpResponseMessage response, int status, string errorType)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(errorType, ProxyStatusError(response));
        var problem = await ProblemAsync(response);
        Assert.Equal(errorType, problem.GetProperty("errorType").GetString());

        var log = SingleFailureLog(app.Logs);
        Assert.Equal(errorType, log.GetStructuredStateValue("ErrorType"));
        Assert.Equal("catalog", log.GetStructuredStateValue("Upstream"));
        Assert.Equal(status.ToString(CultureInfo.InvariantCulture), log.GetStructuredStateValue("StatusCode"));
    }
}
