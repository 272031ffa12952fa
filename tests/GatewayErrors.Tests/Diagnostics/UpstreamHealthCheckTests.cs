using GatewayErrors.Tests.Resilience;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GatewayErrors.Tests.Diagnostics;

public sealed class UpstreamHealthCheckTests
{
    [Fact]
    public async Task CircuitOpensThenRecovers_HealthGoesUnhealthyDegradedHealthy()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit(), services => services.AddHealthChecks().AddGatewayUpstreams());
        var health = gateway.Services.GetRequiredService<HealthCheckService>();

        var before = await StatusAsync(health);
        await gateway.Client.GetAsync("/get");
        await gateway.Client.GetAsync("/get");
        var open = await StatusAsync(health);
        gateway.Time.Advance(TimeSpan.FromSeconds(5));
        var breakOver = await StatusAsync(health);
        upstream.Respond = OkUpstream.Status(200);
        await gateway.Client.GetAsync("/get");
        var recovered = await StatusAsync(health);

        Assert.Equal(HealthStatus.Healthy, before);
        Assert.Equal(HealthStatus.Unhealthy, open);
        Assert.Equal(HealthStatus.Degraded, breakOver);
        Assert.Equal(HealthStatus.Healthy, recovered);
    }

    [Fact]
    public async Task RecentFailuresReachTheThreshold_Degraded_ThenHealthyWhenTheyAge()
    {
        await using var refusing = await RefusedPort.StartAsync();
        await using var gateway = await ResilienceFixture.StartGatewayAsync(
            new Dictionary<string, string?>
            {
                ["GatewayErrors:Diagnostics:DegradedFailureThreshold"] = "2",
                ["GatewayErrors:Upstreams:inventory:DisplayName"] = "Inventory",
            },
            services =>
            {
                services.AddHttpClient("inventory", c => c.BaseAddress = refusing.BaseAddress).AddGatewayErrorsHandler();
                services.AddHealthChecks().AddGatewayUpstreams();
            },
            app => app.MapGet("/inventory", context => ResilienceFixture.ForwardAsync(context, "inventory", HttpMethod.Get)));
        var health = gateway.Services.GetRequiredService<HealthCheckService>();

        await gateway.Client.GetAsync("/inventory");
        var one = await StatusAsync(health, "inventory");
        await gateway.Client.GetAsync("/inventory");
        var two = await StatusAsync(health, "inventory");
        gateway.Time.Advance(TimeSpan.FromMinutes(2));
        var later = await StatusAsync(health, "inventory");

        Assert.Equal(HealthStatus.Healthy, one);
        Assert.Equal(HealthStatus.Degraded, two);
        Assert.Equal(HealthStatus.Healthy, later);
    }

    private static async Task<HealthStatus> StatusAsync(HealthCheckService health, string upstream = "catalog")
    {
        var report = await health.CheckHealthAsync(r => r.Name == "gateway-upstream:" + upstream);
        return Assert.Single(report.Entries).Value.Status;
    }
}
