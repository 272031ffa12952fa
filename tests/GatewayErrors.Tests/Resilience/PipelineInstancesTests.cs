using System.Net;
using System.Text.Json;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;

namespace GatewayErrors.Tests.Resilience;

/// <summary>
/// Which circuit is whose: pipelines selected per authority keep a circuit per authority, reported under the upstream
/// and the authority; two clients never share one; hedging answers with its last attempt and never counts the losers.
/// </summary>
public sealed class PipelineInstancesTests
{
    [Fact]
    public async Task SelectPipelineByAuthority_OneCircuitPerAuthority_FailsFastOnlyWhenEveryAuthorityIsOpen()
    {
        await using var east = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var west = await OkUpstream.StartAsync(OkUpstream.Status(200));
        await using var gateway = await ResilienceFixture.StartGatewayAsync(
            ResilienceFixture.QuickCircuit(("GatewayErrors:Diagnostics:EnableEndpoint", "true")),
            services =>
            {
                services.AddHttpClient("catalog").AddGatewayErrorsHandler().AddStandardResilienceHandler(o =>
                {
                    o.Retry.ShouldHandle = static _ => ValueTask.FromResult(false);
                    o.CircuitBreaker.MinimumThroughput = 2;
                    o.CircuitBreaker.FailureRatio = 0.5;
                    o.CircuitBreaker.BreakDuration = ResilienceFixture.BreakDuration;
                }).SelectPipelineByAuthority();
                services.AddHealthChecks().AddGatewayUpstreams();
            },
            app =>
            {
                app.MapGet("/east", context => ResilienceFixture.ForwardAsync(context, "catalog", HttpMethod.Get, east.BaseAddress)).WithGatewayUpstreams("catalog");
                app.MapGet("/west", context => ResilienceFixture.ForwardAsync(context, "catalog", HttpMethod.Get, west.BaseAddress)).WithGatewayUpstreams("catalog");
                app.MapGatewayErrorsDiagnostics();
            });
        var circuits = gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>();
        var health = gateway.Services.GetRequiredService<HealthCheckService>();

        // An authority counts once it has carried a call: one never called cannot be known to be available.
        var westFirst = await gateway.Client.GetAsync("/west");
        await ResilienceHandlerTests.OpenCircuitAsync(gateway, "/east");
        var westStillCalled = await gateway.Client.GetAsync("/west");
        var eastFromItsOwnCircuit = await gateway.Client.GetAsync("/east");
        var partial = circuits.GetState("catalog");
        var partialHealth = (await health.CheckHealthAsync(r => r.Name == "gateway-upstream:catalog")).Entries.Single().Value;
        west.Respond = OkUpstream.Status(500);
        await ResilienceHandlerTests.OpenCircuitAsync(gateway, "/west");
        var runs = west.RequestCount + east.RequestCount;
        var failFast = await gateway.Client.GetAsync("/west");
        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("/_gateway/upstreams?format=json"));

        Assert.Equal(HttpStatusCode.OK, westFirst.StatusCode);
        Assert.Equal(HttpStatusCode.OK, westStillCalled.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, eastFromItsOwnCircuit.StatusCode);
        Assert.Equal(CircuitState.HalfOpen, partial);
        Assert.Equal(HealthStatus.Degraded, partialHealth.Status);
        Assert.Equal("open", partialHealth.Data[$"circuit:catalog-standard@{Authority(east.BaseAddress)}"]);
        Assert.Equal("closed", partialHealth.Data[$"circuit:catalog-standard@{Authority(west.BaseAddress)}"]);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failFast.StatusCode);
        Assert.True(failFast.Headers.Contains("Retry-After"));
        Assert.Equal(runs, west.RequestCount + east.RequestCount);
        var catalog = json.RootElement.GetProperty("upstreams").EnumerateArray().Single(u => u.GetProperty("name").GetString() == "catalog");
        var reported = catalog.GetProperty("circuit").GetProperty("circuits").EnumerateArray()
            .Select(c => (c.GetProperty("pipeline").GetString()!, c.GetProperty("authority").GetString()!, c.GetProperty("state").GetString()!))
            .OrderBy(c => c.Item2, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(
            new[] { ("catalog-standard", Authority(east.BaseAddress), "open"), ("catalog-standard", Authority(west.BaseAddress), "open") }.OrderBy(c => c.Item2, StringComparer.Ordinal),
            reported);
    }

    [Fact]
    public async Task TwoClientsWithOnePipelineName_KeepTheirOwnCircuits_EachReportedUnderItsUpstream()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartGatewayAsync(
            ResilienceFixture.QuickCircuit(("GatewayErrors:Upstreams:catalog-admin:TreatServerErrorsAsFailures", "true")),
            services =>
            {
                // "catalog-admin-shared" must not be taken for a pipeline of the "catalog" client.
                AddShared(services.AddHttpClient("catalog", c => c.BaseAddress = upstream.BaseAddress).AddGatewayErrorsHandler());
                AddShared(services.AddHttpClient("catalog-admin", c => c.BaseAddress = upstream.BaseAddress).AddGatewayErrorsHandler());
            },
            app =>
            {
                app.MapGet("/get", context => ResilienceFixture.ForwardAsync(context, "catalog", HttpMethod.Get)).WithGatewayUpstreams("catalog");
                app.MapGet("/admin", context => ResilienceFixture.ForwardAsync(context, "catalog-admin", HttpMethod.Get)).WithGatewayUpstreams("catalog-admin");
            });
        var circuits = gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>();

        await ResilienceHandlerTests.OpenCircuitAsync(gateway, "/admin");
        var catalog = await gateway.Client.GetAsync("/get");

        Assert.Equal(CircuitState.Open, circuits.GetState("catalog-admin"));
        Assert.Equal(CircuitState.Closed, circuits.GetState("catalog"));
        Assert.Equal(HttpStatusCode.BadGateway, catalog.StatusCode);
        Assert.Equal(3, upstream.RequestCount);

        static void AddShared(IHttpClientBuilder client) => client.AddResilienceHandler("shared", builder => builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            MinimumThroughput = 2,
            FailureRatio = 0.5,
            BreakDuration = ResilienceFixture.BreakDuration,
        }));
    }

    [Theory]
    [InlineData(false, "http_protocol_error")]
    [InlineData(true, "connection_refused")]
    public async Task HedgingEveryAttemptFails_AnswerNamesTheLastAttemptsFailure(bool garbageFirst, string expected)
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var garbage = await MisbehavingUpstream.StartAsync(MisbehaviorMode.Garbage);
        Uri[] order = garbageFirst ? [garbage.BaseAddress, refused.BaseAddress] : [refused.BaseAddress, garbage.BaseAddress];
        await using var gateway = await StartHedgingAsync(order[0], order);

        var response = await gateway.Client.GetAsync("/get");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("error=" + expected, response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
        var failure = Assert.Single(gateway.Logs.FromGatewayErrors(), e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HedgedAttemptWins_TheCancelledAttemptIsNeitherCountedNorLogged_Returns200()
    {
        await using var slow = await SlowUpstream.StartAsync();
        await using var ok = await OkUpstream.StartAsync(OkUpstream.Status(200));
        await using var gateway = await StartHedgingAsync(slow.SlowAddress, [slow.BaseAddress, ok.BaseAddress]);

        var call = gateway.Client.GetAsync("/get");
        await slow.WaitForRequestsAsync(1);
        await Assert.IsType<TimerWatchingTimeProvider>(gateway.Time).WaitForTimerAsync(TimeSpan.FromSeconds(2));
        gateway.Time.Advance(TimeSpan.FromSeconds(2));
        var response = await call;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("200", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, ok.RequestCount);
        Assert.DoesNotContain(gateway.Logs.FromGatewayErrors(), e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Null(gateway.Services.GetRequiredService<UpstreamFailureStatistics>().Get("catalog"));
        Assert.Equal(CircuitState.Closed, gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>().GetState("catalog"));
    }

    private static Task<GatewayTestApp> StartHedgingAsync(Uri baseAddress, Uri[] groups)
        => ResilienceFixture.StartGatewayAsync(
            [],
            services => services.AddHttpClient("catalog", c => c.BaseAddress = baseAddress).AddGatewayErrorsHandler()
                .AddStandardHedgingHandler(routing => routing.ConfigureOrderedGroups(o =>
                {
                    foreach (var group in groups)
                    {
                        o.Groups.Add(new UriEndpointGroup { Endpoints = [new WeightedUriEndpoint { Uri = group }] });
                    }
                })),
            app => app.MapGet("/get", context => ResilienceFixture.ForwardAsync(context, "catalog", HttpMethod.Get)));

    private static string Authority(Uri uri) => uri.GetLeftPart(UriPartial.Authority);
}
