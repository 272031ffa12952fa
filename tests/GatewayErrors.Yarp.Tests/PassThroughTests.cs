using System.Net;
using GatewayErrors.Tests.Upstreams;
using GatewayErrors.Yarp.Tests.TestSupport;

namespace GatewayErrors.Yarp.Tests;

/// <summary>What GatewayErrors must leave alone: answers the upstream gave, good or bad.</summary>
public sealed class PassThroughTests
{
    [Fact]
    public async Task HealthyUpstream_Returns200Untouched()
    {
        await using var upstream = await OkUpstream.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(upstream.BaseAddress);

        using var response = await gateway.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("Proxy-Status"));
        Assert.Empty(gateway.GatewayErrorsLogs);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task UpstreamServerError_PassesThroughUnchanged(int status)
    {
        await using var upstream = await OkUpstream.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(upstream.BaseAddress);

        using var response = await gateway.GetAsync($"/status/{status}?retryAfter=7");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal($"status {status}", await response.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.False(response.Headers.Contains("Proxy-Status"));
        Assert.Empty(gateway.GatewayErrorsLogs);
    }

    [Fact]
    public async Task UpstreamErrorWithoutBody_PassesThroughUnchanged()
    {
        // Not started when YARP returns (no body to copy) and >= 400: exactly the case the middleware looks at twice.
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(502));
        await using var gateway = await YarpTestGateway.StartAsync(upstream.BaseAddress);

        using var response = await gateway.GetAsync("/");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.False(response.Headers.Contains("Proxy-Status"));
        Assert.Empty(gateway.GatewayErrorsLogs);
    }
}
