using System.Net;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;

namespace GatewayErrors.Tests.Resilience;

public sealed class GatewayResilienceTests
{
    [Fact]
    public async Task IdempotentGet_FlappingUpstream_RetriedUntilItAnswers_Returns200()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(n => n <= 2 ? 503 : 200));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, new() { [ResilienceFixture.Key + "Retry:Delay"] = "00:00:00" });

        var response = await gateway.Client.GetAsync("/get");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("200", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, upstream.RequestCount);
    }

    [Fact]
    public async Task Post_FlappingUpstream_NotRetried_Returns502()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(n => n <= 2 ? 500 : 200));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, new()
        {
            ["GatewayErrors:Upstreams:catalog:TreatServerErrorsAsFailures"] = "true",
            [ResilienceFixture.Key + "Retry:Delay"] = "00:00:00",
        });

        var response = await gateway.Client.GetAsync("/post");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task Post_RetryNonIdempotentMethodsOptedIn_RetriedUntilItAnswers_Returns200()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(n => n <= 2 ? 500 : 200));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, new()
        {
            [ResilienceFixture.Key + "Retry:Delay"] = "00:00:00",
            [ResilienceFixture.Key + "Retry:RetryNonIdempotentMethods"] = "true",
        });

        var response = await gateway.Client.GetAsync("/post");

        Assert.Equal("200", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, upstream.RequestCount);
    }

    [Fact]
    public async Task IdempotentGet_UpstreamAlwaysFails_FourAttemptsThenReturns502()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, new()
        {
            ["GatewayErrors:Upstreams:catalog:TreatServerErrorsAsFailures"] = "true",
            [ResilienceFixture.Key + "Retry:Delay"] = "00:00:00",
        });

        var response = await gateway.Client.GetAsync("/get");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(4, upstream.RequestCount);
    }

    [Fact]
    public async Task UpstreamRetryAfter_SetsTheWaitBeforeTheRetry_Returns200()
    {
        await using var upstream = await OkUpstream.StartAsync((context, n) =>
        {
            if (n == 1)
            {
                context.Response.Headers.RetryAfter = "7";
            }

            return OkUpstream.Status(n == 1 ? 429 : 200)(context, n);
        });
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, new() { [ResilienceFixture.Key + "Retry:Delay"] = "00:00:00" });

        var call = gateway.Client.GetAsync("/get");
        await Assert.IsType<TimerWatchingTimeProvider>(gateway.Time).WaitForTimerAsync(TimeSpan.FromSeconds(7));
        Assert.Equal(1, upstream.RequestCount);
        gateway.Time.Advance(TimeSpan.FromSeconds(7));
        var response = await call;

        Assert.Equal("200", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task OpenCircuit_Returns503WithRemainingBreakAsRetryAfter_WithoutContactingUpstream()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit());
        await OpenCircuitAsync(gateway);
        var connections = upstream.ConnectionCount;

        var first = await gateway.Client.GetAsync("/get");
        gateway.Time.Advance(TimeSpan.FromSeconds(2));
        var later = await gateway.Client.GetAsync("/get");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("5", first.Headers.GetValues("Retry-After").Single());
        Assert.Contains("error=destination_unavailable", first.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
        Assert.Equal("3", later.Headers.GetValues("Retry-After").Single());
        Assert.Equal(2, upstream.RequestCount);
        Assert.Equal(connections, upstream.ConnectionCount);
    }

    [Fact]
    public async Task OpenCircuit_RouteMarkedWithUpstream_Returns503BeforeTheEndpointRuns()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit());
        await OpenCircuitAsync(gateway);
        var runs = Volatile.Read(ref ResilienceFixture.EndpointRuns);

        var response = await gateway.Client.GetAsync("/marked");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal(runs, Volatile.Read(ref ResilienceFixture.EndpointRuns));
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task OpenCircuit_AfterTheBreak_TrialCallSucceeds_Returns200AndCloses()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit());
        await OpenCircuitAsync(gateway);
        upstream.Respond = OkUpstream.Status(200);

        gateway.Time.Advance(TimeSpan.FromSeconds(5));
        var marked = await gateway.Client.GetAsync("/marked");
        var plain = await gateway.Client.GetAsync("/get");

        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(CircuitState.Closed, gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>().GetState("catalog"));
        Assert.Equal(4, upstream.RequestCount);
    }

    [Fact]
    public async Task IsolatedCircuit_Returns503WithoutRetryAfter_UntilClosed()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(200));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit());
        var circuits = gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>();

        await circuits.IsolateAsync("catalog");
        var isolated = await gateway.Client.GetAsync("/get");
        var marked = await gateway.Client.GetAsync("/marked");
        await circuits.CloseAsync("catalog");
        var closed = await gateway.Client.GetAsync("/get");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, isolated.StatusCode);
        Assert.False(isolated.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, marked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task SlowUpstream_AttemptTimeout_Returns504()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        await using var gateway = await ResilienceFixture.StartAsync(upstream.SlowAddress, new()
        {
            [ResilienceFixture.Key + "Retry:MaxRetryAttempts"] = "0",
            [ResilienceFixture.Key + "AttemptTimeout"] = "00:00:02",
        });

        var call = gateway.Client.GetAsync("/get");
        await upstream.WaitForRequestsAsync(1);
        gateway.Time.Advance(TimeSpan.FromSeconds(2));
        var response = await call;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("error=http_response_timeout", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowUpstream_TotalTimeoutEndsTheRetries_Returns504()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        await using var gateway = await ResilienceFixture.StartAsync(upstream.SlowAddress, new()
        {
            [ResilienceFixture.Key + "Retry:Delay"] = "00:00:00",
            [ResilienceFixture.Key + "AttemptTimeout"] = "00:00:02",
            [ResilienceFixture.Key + "TotalTimeout"] = "00:00:03",
        });

        var call = gateway.Client.GetAsync("/get");
        await upstream.WaitForRequestsAsync(1);
        gateway.Time.Advance(TimeSpan.FromSeconds(2));
        await upstream.WaitForRequestsAsync(2);
        gateway.Time.Advance(TimeSpan.FromSeconds(1));
        var response = await call;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task Circuit_SharedByClientsOfOneUpstream_NotByOtherUpstreams()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        var settings = ResilienceFixture.QuickCircuit(
            ("GatewayErrors:Upstreams:inventory:TreatServerErrorsAsFailures", "true"),
            ("GatewayErrors:Upstreams:inventory:Resilience:Retry:MaxRetryAttempts", "0"));
        await using var gateway = await ResilienceFixture.StartAsync(
            upstream.BaseAddress,
            settings,
            services =>
            {
                services.AddHttpClient("catalog-admin", c => c.BaseAddress = upstream.BaseAddress).AddGatewayErrorsHandler("catalog").AddGatewayResilience("catalog");
                services.AddHttpClient("inventory", c => c.BaseAddress = upstream.BaseAddress).AddGatewayErrorsHandler().AddGatewayResilience();
            },
            app =>
            {
                app.MapGet("/admin", context => ResilienceFixture.ForwardAsync(context, "catalog-admin", HttpMethod.Get));
                app.MapGet("/inventory", context => ResilienceFixture.ForwardAsync(context, "inventory", HttpMethod.Get));
            });
        await OpenCircuitAsync(gateway);

        var admin = await gateway.Client.GetAsync("/admin");
        var inventory = await gateway.Client.GetAsync("/inventory");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, admin.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, inventory.StatusCode);
        Assert.Equal(3, upstream.RequestCount);
    }

    [Fact]
    public async Task HandlersRecycledByTheFactory_ShareOneCircuit_Returns503()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit());
        await OpenCircuitAsync(gateway);

        // A handler chain built now stands for one built after the factory's 2-minute recycling.
        var handler = gateway.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("catalog");
        using var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = upstream.BaseAddress };
        var exception = await Assert.ThrowsAsync<UpstreamFailureException>(() => client.GetAsync("/"));

        Assert.Equal(GatewayErrorType.DestinationUnavailable, exception.Failure.ErrorType);
        Assert.Equal("catalog", exception.Failure.Upstream);
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task RefusingUpstream_RetriedThenClassified_Returns502ConnectionRefused()
    {
        await using var refusing = await RefusedPort.StartAsync();
        await using var gateway = await ResilienceFixture.StartGatewayAsync(
            new Dictionary<string, string?> { ["GatewayErrors:Upstreams:orders:Resilience:Retry:Delay"] = "00:00:00" },
            services => services.AddHttpClient("orders", c => c.BaseAddress = refusing.BaseAddress).AddGatewayErrorsHandler().AddGatewayResilience(),
            app => app.MapGet("/orders", context => ResilienceFixture.ForwardAsync(context, "orders", HttpMethod.Get)));

        var response = await gateway.Client.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("error=connection_refused", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void AddGatewayResilience_SetsHttpClientTimeoutToInfinite()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddHttpClient("catalog").AddGatewayErrorsHandler().AddGatewayResilience();
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        Assert.Equal(Timeout.InfiniteTimeSpan, client.Timeout);
    }

    [Fact]
    public void AddGatewayResilience_NullOrBlankArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => GatewayResilienceHttpClientBuilderExtensions.AddGatewayResilience(null!));
        var builder = new ServiceCollection().AddHttpClient("catalog");
        Assert.Throws<ArgumentException>(() => builder.AddGatewayResilience(" "));
        Assert.Throws<ArgumentNullException>(() => Microsoft.AspNetCore.Builder.GatewayUpstreamEndpointConventionBuilderExtensions.WithGatewayUpstreams<Microsoft.AspNetCore.Builder.IEndpointConventionBuilder>(null!, "catalog"));
    }

    /// <summary>Two failed calls: with <see cref="ResilienceFixture.QuickCircuit"/> the second opens the circuit.</summary>
    private static async Task OpenCircuitAsync(GatewayTestApp gateway)
    {
        for (var i = 0; i < 2; i++)
        {
            var response = await gateway.Client.GetAsync("/get");
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        }

        Assert.Equal(CircuitState.Open, gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>().GetState("catalog"));
    }
}
