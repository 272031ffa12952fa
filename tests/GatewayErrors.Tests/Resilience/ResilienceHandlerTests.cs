using System.Net;
using System.Threading.RateLimiting;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;

namespace GatewayErrors.Tests.Resilience;

/// <summary>
/// What a client with <c>AddGatewayErrorsHandler()</c> and one of Microsoft.Extensions.Http.Resilience's handlers gets
/// with no further GatewayErrors call: fail-fast before the endpoint, recovery, health, maintenance, the rate limiter.
/// </summary>
public sealed class ResilienceHandlerTests
{
    [Theory]
    [InlineData(ResilienceKind.Standard)]
    [InlineData(ResilienceKind.Hedging)]
    [InlineData(ResilienceKind.Custom)]
    public async Task OpenCircuit_MarkedRoute_Returns503WithRetryAfterBeforeTheEndpointRuns(ResilienceKind kind)
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit(), kind: kind);
        await OpenCircuitAsync(gateway);
        var runs = Volatile.Read(ref ResilienceFixture.EndpointRuns);
        var connections = upstream.ConnectionCount;

        var first = await gateway.Client.GetAsync("/marked");
        gateway.Time.Advance(TimeSpan.FromSeconds(2));
        var later = await gateway.Client.GetAsync("/marked");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("5", first.Headers.GetValues("Retry-After").Single());
        Assert.Contains("error=destination_unavailable", first.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
        Assert.Equal("3", later.Headers.GetValues("Retry-After").Single());
        Assert.Equal(runs, Volatile.Read(ref ResilienceFixture.EndpointRuns));
        Assert.Equal(2, upstream.RequestCount);
        Assert.Equal(connections, upstream.ConnectionCount);
        Assert.Equal(CircuitState.Open, gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>().GetState("catalog"));
    }

    [Theory]
    [InlineData(ResilienceKind.Standard)]
    [InlineData(ResilienceKind.Hedging)]
    [InlineData(ResilienceKind.Custom)]
    public async Task OpenCircuit_UnmarkedRoute_Returns503FromThePipelineWithoutContactingUpstream(ResilienceKind kind)
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit(), kind: kind);
        await OpenCircuitAsync(gateway);

        var response = await gateway.Client.GetAsync("/get");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal(2, upstream.RequestCount);
    }

    [Theory]
    [InlineData(ResilienceKind.Standard)]
    [InlineData(ResilienceKind.Hedging)]
    [InlineData(ResilienceKind.Custom)]
    public async Task OpenCircuit_AfterTheBreak_TrialCallSucceeds_Returns200AndHealthRecovers(ResilienceKind kind)
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(
            upstream.BaseAddress, ResilienceFixture.QuickCircuit(), services => services.AddHealthChecks().AddGatewayUpstreams(), kind: kind);
        var health = gateway.Services.GetRequiredService<HealthCheckService>();
        var circuits = gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>();

        var before = await HealthAsync(health);
        await OpenCircuitAsync(gateway);
        var open = await HealthAsync(health);
        upstream.Respond = OkUpstream.Status(200);
        gateway.Time.Advance(ResilienceFixture.BreakDuration);
        var breakOver = await HealthAsync(health);
        var trial = await gateway.Client.GetAsync("/marked");
        var after = await gateway.Client.GetAsync("/get");
        var recovered = await HealthAsync(health);

        Assert.Equal(HealthStatus.Healthy, before.Status);
        Assert.Equal(HealthStatus.Unhealthy, open.Status);
        Assert.Equal("open", open.Data["circuit"]);
        Assert.Equal(HealthStatus.Degraded, breakOver.Status);
        Assert.Equal(HttpStatusCode.OK, trial.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(HealthStatus.Healthy, recovered.Status);
        Assert.Equal(CircuitState.Closed, circuits.GetState("catalog"));
        Assert.Equal(4, upstream.RequestCount);
    }

    [Theory]
    [InlineData(ResilienceKind.Standard)]
    [InlineData(ResilienceKind.Hedging)]
    [InlineData(ResilienceKind.Custom)]
    public async Task MaintenanceFromConfigurationReload_Returns503WithoutContactingUpstream_UntilSwitchedOff(ResilienceKind kind)
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(200));
        await using var gateway = await ResilienceFixture.StartAsync(
            upstream.BaseAddress, ResilienceFixture.QuickCircuit(), services => services.AddHealthChecks().AddGatewayUpstreams(), kind: kind);
        var configuration = (IConfigurationRoot)gateway.Services.GetRequiredService<IConfiguration>();
        var runs = Volatile.Read(ref ResilienceFixture.EndpointRuns);
        var until = gateway.Time.GetUtcNow().AddMinutes(10);

        var before = await gateway.Client.GetAsync("/get");
        Reload(configuration, ("GatewayErrors:Upstreams:catalog:Maintenance:Enabled", "true"), ("GatewayErrors:Upstreams:catalog:Maintenance:Until", until.ToString("O")));
        var marked = await gateway.Client.GetAsync("/marked");
        var unmarked = await gateway.Client.GetAsync("/get");
        var health = await HealthAsync(gateway.Services.GetRequiredService<HealthCheckService>());
        Reload(configuration, ("GatewayErrors:Upstreams:catalog:Maintenance:Enabled", "false"));
        var after = await gateway.Client.GetAsync("/marked");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, marked.StatusCode);
        Assert.Equal("600", marked.Headers.GetValues("Retry-After").Single());
        Assert.Contains("error=destination_unavailable", marked.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unmarked.StatusCode);
        Assert.Equal("600", unmarked.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(runs + 1, Volatile.Read(ref ResilienceFixture.EndpointRuns));
        Assert.Equal(2, upstream.RequestCount);
    }

    [Theory]
    [InlineData(ResilienceKind.Standard)]
    [InlineData(ResilienceKind.Hedging)]
    [InlineData(ResilienceKind.Custom)]
    public async Task RateLimiterRejects_Returns503ConnectionLimitReachedWithRetryAfterFromTheLease(ResilienceKind kind)
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(200));
        using var limiter = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = 1,
            Window = TimeSpan.FromSeconds(30),
            QueueLimit = 0,
            AutoReplenishment = false,
        });
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit(), kind: kind, limiter: limiter);

        var allowed = await gateway.Client.GetAsync("/get");
        var rejected = await gateway.Client.GetAsync("/get");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.Contains("error=connection_limit_reached", rejected.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
        Assert.Equal("30", rejected.Headers.GetValues("Retry-After").Single());
        Assert.Equal(1, upstream.RequestCount);
    }

    [Theory]
    [InlineData(ResilienceKind.Standard)]
    [InlineData(ResilienceKind.Hedging)]
    [InlineData(ResilienceKind.Custom)]
    public async Task IsolatedThroughTheService_Returns503WithoutRetryAfter_UntilClosed(ResilienceKind kind)
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(200));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit(), kind: kind);
        var circuits = gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>();

        await circuits.IsolateAsync("catalog");
        var isolated = await gateway.Client.GetAsync("/get");
        var marked = await gateway.Client.GetAsync("/marked");
        var state = circuits.GetState("catalog");
        await circuits.CloseAsync("catalog");
        var closed = await gateway.Client.GetAsync("/marked");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, isolated.StatusCode);
        Assert.False(isolated.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, marked.StatusCode);
        Assert.Equal(CircuitState.Isolated, state);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task MaintenanceMessage_ShownAsTheNotice_OnThePageInProblemDetailsAndInPlainText_Encoded()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(200));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit(
            ("GatewayErrors:Upstreams:catalog:Notice:Message", "A configured notice the maintenance message replaces."),
            ("GatewayErrors:Upstreams:catalog:Maintenance:Enabled", "true"),
            ("GatewayErrors:Upstreams:catalog:Maintenance:Message", "Upgrading <b>the catalog</b> until noon.")));

        using var html = await SendAsync(gateway, "text/html");
        using var problem = await SendAsync(gateway, "application/problem+json");
        using var text = await SendAsync(gateway, "text/plain");

        var page = await html.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, html.StatusCode);
        Assert.Contains("Upgrading &lt;b&gt;the catalog&lt;/b&gt; until noon.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>the catalog", page, StringComparison.Ordinal);
        Assert.DoesNotContain("A configured notice", page, StringComparison.Ordinal);
        using var json = System.Text.Json.JsonDocument.Parse(await problem.Content.ReadAsStringAsync());
        Assert.Equal("Upgrading <b>the catalog</b> until noon.", json.RootElement.GetProperty("notice").GetProperty("message").GetString());
        Assert.Contains("Notice: Upgrading <b>the catalog</b> until noon.", await text.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(text.Headers.Contains("Retry-After"), "No Until, no end known.");
        Assert.Equal(0, upstream.RequestCount);

        static Task<HttpResponseMessage> SendAsync(GatewayTestApp gateway, string accept)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/get");
            request.Headers.Accept.ParseAdd(accept);
            return gateway.Client.SendAsync(request);
        }
    }

    [Fact]
    public async Task MaintenanceUntilPassed_CallsGoThroughAgain_WithoutAReload()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(200));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit());
        var configuration = (IConfigurationRoot)gateway.Services.GetRequiredService<IConfiguration>();
        var until = gateway.Time.GetUtcNow().AddSeconds(90);
        Reload(configuration, ("GatewayErrors:Upstreams:catalog:Maintenance:Enabled", "true"), ("GatewayErrors:Upstreams:catalog:Maintenance:Until", until.ToString("O")));

        var during = await gateway.Client.GetAsync("/marked");
        gateway.Time.Advance(TimeSpan.FromSeconds(90));
        var after = await gateway.Client.GetAsync("/marked");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal("90", during.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public void AddGatewayErrorsHandler_NullOrBlankArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => Microsoft.AspNetCore.Builder.GatewayUpstreamEndpointConventionBuilderExtensions.WithGatewayUpstreams<Microsoft.AspNetCore.Builder.IEndpointConventionBuilder>(null!, "catalog"));
    }

    /// <summary>Two failed calls: with the fixture's breaker the second opens the circuit.</summary>
    internal static async Task OpenCircuitAsync(GatewayTestApp gateway, string path = "/get")
    {
        for (var i = 0; i < 2; i++)
        {
            var response = await gateway.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        }
    }

    private static async Task<HealthReportEntry> HealthAsync(HealthCheckService health, string upstream = "catalog")
    {
        var report = await health.CheckHealthAsync(r => r.Name == "gateway-upstream:" + upstream);
        return Assert.Single(report.Entries).Value;
    }

    private static void Reload(IConfigurationRoot configuration, params (string Key, string Value)[] values)
    {
        // The test's in-memory source is the last one: set the keys there and reload, as a changed file or store would.
        var source = configuration.Providers.Last();
        foreach (var (key, value) in values)
        {
            source.Set(key, value);
        }

        configuration.Reload();
    }
}
