using System.Diagnostics.Metrics;
using System.Net;
using GatewayErrors.Tests.Resilience;
using GatewayErrors.Tests.StaleIfError;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace GatewayErrors.Tests.Diagnostics;

/// <summary>
/// ASP.NET Core's own request metric, <c>http.server.request.duration</c>: since .NET 10 it no longer names a handled
/// exception, so GatewayErrors puts the RFC 9209 token in its <c>error.type</c> tag.
/// </summary>
public sealed class RequestMetricTests
{
    [Fact]
    public async Task UpstreamRefused_RequestDurationMetric_CarriesErrorTypeToken()
    {
        await using var refusing = await RefusedPort.StartAsync();
        await using var upstream = await OkUpstream.StartAsync();
        await using var gateway = await ResilienceFixture.StartGatewayAsync(
            [],
            services =>
            {
                services.AddHttpClient("orders", c => c.BaseAddress = refusing.BaseAddress).AddGatewayErrorsHandler();
                services.AddHttpClient("healthy", c => c.BaseAddress = upstream.BaseAddress).AddGatewayErrorsHandler();
            },
            app =>
            {
                app.MapGet("/orders", context => ResilienceFixture.ForwardAsync(context, "orders", HttpMethod.Get));
                app.MapGet("/healthy", context => ResilienceFixture.ForwardAsync(context, "healthy", HttpMethod.Get));
            });
        using var duration = new MetricCollector<double>(gateway.Services.GetRequiredService<IMeterFactory>(), "Microsoft.AspNetCore.Hosting", "http.server.request.duration");

        var failed = await gateway.Client.GetAsync("/orders");
        var ok = await gateway.Client.GetAsync("/healthy");
        await duration.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var measurements = duration.GetMeasurementSnapshot();
        var failure = Assert.Single(measurements, m => Equals(m.Tags["http.route"], "/orders"));
        Assert.Equal("connection_refused", failure.Tags["error.type"]);
        Assert.Equal(StatusCodes.Status502BadGateway, failure.Tags["http.response.status_code"]);
        var success = Assert.Single(measurements, m => Equals(m.Tags["http.route"], "/healthy"));
        Assert.False(success.Tags.ContainsKey("error.type"));
    }

    [Fact]
    public async Task StaleCopyAnswers_RequestDurationMetric_HasNoErrorType()
    {
        // The visitor got the kept 200: ASP.NET Core's request metric counts a success. gateway_errors.upstream.failures
        // (gateway.outcome=stale_copy) is where the hidden outage shows.
        await using var host = await StaleHost.StartAsync();
        using var duration = new MetricCollector<double>(host.App.Services.GetRequiredService<IMeterFactory>(), "Microsoft.AspNetCore.Hosting", "http.server.request.duration");
        Assert.Equal("v1", await host.GetBodyAsync("/page/a"));
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;

        using var stale = await host.GetAsync("/page/a");
        using var plain = await host.GetAsync("/plain/a");
        await duration.WaitForMeasurementsAsync(3, TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, plain.StatusCode);
        var measurements = duration.GetMeasurementSnapshot();
        Assert.Equal(3, measurements.Count);
        Assert.All(measurements.Take(2), m => Assert.False(m.Tags.ContainsKey("error.type"), string.Join(", ", m.Tags)));
        Assert.Equal("destination_unavailable", measurements[2].Tags["error.type"]);
    }
}
