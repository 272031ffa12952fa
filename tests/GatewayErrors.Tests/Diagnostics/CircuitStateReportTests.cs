using System.Text.Json;
using GatewayErrors.Tests.Resilience;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;

namespace GatewayErrors.Tests.Diagnostics;

/// <summary>
/// The diagnostics endpoint, the health check and <see cref="IGatewayUpstreamCircuits.GetState"/> tell one story through
/// a real outage: a real standard resilience pipeline, an upstream that answers 500, and the clock moved through the
/// break. The state of the whole is always what its parts say.
/// </summary>
public sealed class CircuitStateReportTests
{
    [Fact]
    public async Task OpenBreakOverTrialIsolation_WholeStateAgreesWithItsCircuitsEverywhere()
    {
        var manual = new CircuitBreakerManualControl();
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartGatewayAsync(
            ResilienceFixture.QuickCircuit(("GatewayErrors:Diagnostics:EnableEndpoint", "true")),
            services =>
            {
                services.AddHttpClient("catalog", c => c.BaseAddress = upstream.BaseAddress).AddGatewayErrorsHandler().AddStandardResilienceHandler(o =>
                {
                    o.Retry.ShouldHandle = static _ => ValueTask.FromResult(false);
                    o.CircuitBreaker.MinimumThroughput = 2;
                    o.CircuitBreaker.FailureRatio = 0.5;
                    o.CircuitBreaker.BreakDuration = ResilienceFixture.BreakDuration;
                    o.CircuitBreaker.ManualControl = manual;
                });
                services.AddHealthChecks().AddGatewayUpstreams();
            },
            app =>
            {
                app.MapGet("/get", context => ResilienceFixture.ForwardAsync(context, "catalog", HttpMethod.Get));
                app.MapGatewayErrorsDiagnostics();
            });
        var circuits = gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>();

        await ResilienceHandlerTests.OpenCircuitAsync(gateway);
        var opened = await ReadAsync(gateway);
        gateway.Time.Advance(ResilienceFixture.BreakDuration);
        var breakOver = await ReadAsync(gateway);
        await gateway.Client.GetAsync("/get");
        var trialFailed = await ReadAsync(gateway);
        await circuits.IsolateAsync("catalog");
        var isolatedByUs = await ReadAsync(gateway);
        await circuits.CloseAsync("catalog");
        await manual.IsolateAsync();
        var isolatedByPolly = await ReadAsync(gateway);
        await manual.CloseAsync();
        var closed = await ReadAsync(gateway);

        Assert.Equal(new Seen("open", 5, ["open"], [5], "open", Isolated: false), opened);
        Assert.Equal(new Seen("half_open", null, ["half_open"], [null], "half_open", Isolated: false), breakOver);
        Assert.Equal(new Seen("open", 5, ["open"], [5], "open", Isolated: false), trialFailed);
        Assert.Equal(new Seen("isolated", null, ["open"], [5], "isolated", Isolated: true), isolatedByUs);
        Assert.Equal(new Seen("isolated", null, ["isolated"], [null], "isolated", Isolated: false), isolatedByPolly);
        Assert.Equal(new Seen("closed", null, ["closed"], [null], "closed", Isolated: false), closed);
        Assert.Equal(CircuitState.Closed, circuits.GetState("catalog"));
    }

    [Fact]
    public async Task TwoClientsOneOpen_WholeIsHalfOpen_AndTheClientStillCalledIsListed()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartGatewayAsync(
            ResilienceFixture.QuickCircuit(("GatewayErrors:Diagnostics:EnableEndpoint", "true")),
            services =>
            {
                ResilienceFixture.AddResilience(services.AddHttpClient("catalog", c => c.BaseAddress = upstream.BaseAddress).AddGatewayErrorsHandler(), ResilienceKind.Standard);
                ResilienceFixture.AddResilience(services.AddHttpClient("catalog-admin", c => c.BaseAddress = upstream.BaseAddress).AddGatewayErrorsHandler("catalog"), ResilienceKind.Standard);
                services.AddHealthChecks().AddGatewayUpstreams();
            },
            app =>
            {
                app.MapGet("/get", context => ResilienceFixture.ForwardAsync(context, "catalog", HttpMethod.Get));
                app.MapGatewayErrorsDiagnostics();
            });

        await ResilienceHandlerTests.OpenCircuitAsync(gateway);
        var seen = await ReadAsync(gateway);

        Assert.Equal(new Seen("half_open", null, ["open", "closed"], [5, null], "half_open", Isolated: false), seen);
    }

    /// <summary>What the endpoint's JSON, the health check and the service say at one moment.</summary>
    private static async Task<Seen> ReadAsync(GatewayTestApp gateway)
    {
        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("/_gateway/upstreams?format=json"));
        var circuit = json.RootElement.GetProperty("upstreams").EnumerateArray().Single(u => u.GetProperty("name").GetString() == "catalog").GetProperty("circuit");
        var parts = circuit.GetProperty("circuits").EnumerateArray().ToList();
        var health = (await gateway.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries.Single().Value;
        var state = circuit.GetProperty("state").GetString()!;

        // The service and the health data must spell the whole exactly as the endpoint does.
        Assert.Equal(state, health.Data["circuit"]);
        Assert.Equal(state, CircuitStateNames.Of(gateway.Services.GetRequiredService<IGatewayUpstreamCircuits>().GetState("catalog")));
        foreach (var part in parts.Where(p => p.TryGetProperty("pipeline", out _)))
        {
            Assert.Equal(part.GetProperty("state").GetString(), health.Data["circuit:" + part.GetProperty("pipeline").GetString()]);
        }

        return new Seen(
            state,
            circuit.TryGetProperty("retryAfterSeconds", out var wait) ? wait.GetInt32() : null,
            [.. parts.Select(p => p.GetProperty("state").GetString()!)],
            [.. parts.Select(p => p.TryGetProperty("retryAfterSeconds", out var left) ? left.GetInt32() : (int?)null)],
            (string)health.Data["circuit"],
            circuit.TryGetProperty("isolated", out var isolated) && isolated.GetBoolean());
    }

    private sealed record Seen(string State, int? RetryAfter, string[] Parts, int?[] PartsRetryAfter, string Health, bool Isolated)
    {
        public bool Equals(Seen? other)
            => other is not null && State == other.State && RetryAfter == other.RetryAfter && Parts.SequenceEqual(other.Parts)
                && PartsRetryAfter.SequenceEqual(other.PartsRetryAfter) && Health == other.Health && Isolated == other.Isolated;

        public override int GetHashCode() => HashCode.Combine(State, RetryAfter);

        public override string ToString()
            => $"{State} ({RetryAfter}) [{string.Join(", ", Parts)}] [{string.Join(", ", PartsRetryAfter)}] health={Health} isolated={Isolated}";
    }
}
