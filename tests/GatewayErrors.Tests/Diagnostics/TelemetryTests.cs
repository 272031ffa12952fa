using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using GatewayErrors.Tests.Resilience;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace GatewayErrors.Tests.Diagnostics;

public sealed class TelemetryTests
{
    [Fact]
    public async Task StandardHandlerCircuitOpens_MetricsRecordFailuresAndStateChange()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit());
        var factory = gateway.Services.GetRequiredService<IMeterFactory>();
        using var failures = new MetricCollector<long>(factory, "GatewayErrors", "gateway_errors.upstream.failures");
        using var stateChanges = new MetricCollector<long>(factory, "GatewayErrors", "gateway_errors.circuit.state_changes");

        await gateway.Client.GetAsync("/get");
        await gateway.Client.GetAsync("/get");
        var open = await gateway.Client.GetAsync("/get");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, open.StatusCode);
        var failed = failures.GetMeasurementSnapshot();
        Assert.Equal(3, failed.Count);
        Assert.All(failed, m => Assert.Equal(1, m.Value));
        Assert.Equal(2, failed.Count(m => Equals(m.Tags["error.type"], "upstream_server_error") && Equals(m.Tags["http.response.status_code"], 502)));
        Assert.Contains(failed, m => Equals(m.Tags["error.type"], "destination_unavailable") && Equals(m.Tags["http.response.status_code"], 503));
        Assert.All(failed, m => Assert.Equal("catalog", m.Tags["gateway.upstream"]));
        Assert.Single(stateChanges.GetMeasurementSnapshot(), m => Equals(m.Tags["gateway.circuit.state"], "open"));
    }

    [Fact]
    public async Task UpstreamFailure_CurrentActivityGetsErrorStatusAndTags()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var refusing = await RefusedPort.StartAsync();
        await using var gateway = await ResilienceFixture.StartGatewayAsync(
            new Dictionary<string, string?>(),
            services => services.AddHttpClient("traced-orders", c => c.BaseAddress = refusing.BaseAddress).AddGatewayErrorsHandler(),
            app => app.MapGet("/traced", context => ResilienceFixture.ForwardAsync(context, "traced-orders", HttpMethod.Get)));

        var response = await gateway.Client.GetAsync("/traced");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var activity = Assert.Single(stopped, a => Equals(a.GetTagItem("gateway.upstream"), "traced-orders"));
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
        Assert.Equal("connection_refused", activity.GetTagItem("error.type"));
    }
}
