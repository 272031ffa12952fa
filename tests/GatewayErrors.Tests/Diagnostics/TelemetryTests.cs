using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using GatewayErrors.Tests.Resilience;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Tests.Diagnostics;

public sealed class TelemetryTests
{
    [Fact]
    public async Task StandardHandlerCircuitOpens_MetricsRecordFailuresAndStateChange()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, ResilienceFixture.QuickCircuit());
        var factory = gateway.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "GatewayErrors" && instrument.Meter.Scope == factory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.Start();

        await gateway.Client.GetAsync("/get");
        await gateway.Client.GetAsync("/get");
        var open = await gateway.Client.GetAsync("/get");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, open.StatusCode);
        var failures = measurements.Where(m => m.Instrument == "gateway_errors.upstream.failures").ToList();
        Assert.Equal(3, failures.Count);
        Assert.Equal(2, failures.Count(m => Equals(m.Tags["error.type"], "upstream_server_error") && Equals(m.Tags["http.response.status_code"], 502)));
        Assert.Contains(failures, m => Equals(m.Tags["error.type"], "destination_unavailable") && Equals(m.Tags["http.response.status_code"], 503));
        Assert.All(failures, m => Assert.Equal("catalog", m.Tags["gateway.upstream"]));
        Assert.Single(measurements, m => m.Instrument == "gateway_errors.circuit.state_changes" && Equals(m.Tags["gateway.circuit.state"], "open"));
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

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>();
        foreach (var (key, value) in tags)
        {
            dictionary[key] = value;
        }

        return dictionary;
    }
}
