using System.Net;
using GatewayErrors.Tests.Upstreams;
using GatewayErrors.Yarp.Tests.TestSupport;
using static GatewayErrors.Yarp.Tests.TestSupport.GatewayErrorAssertions;

namespace GatewayErrors.Yarp.Tests;

/// <summary>
/// Cancellations: YARP blames the client for every one of them (a 400), also when a route timeout fired. Only a
/// client that really went away is a client abort; a route timeout is the upstream being too slow.
/// </summary>
public sealed class TimeoutAndAbortTests
{
    [Fact]
    public async Task RouteTimeout_Returns504HttpResponseTimeout()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(upstream.BaseAddress, s => s.RouteTimeout = TimeSpan.FromMilliseconds(300));

        using var response = await gateway.GetAsync("/slow", "application/json");

        await AssertGatewayErrorAsync(response, HttpStatusCode.GatewayTimeout, "http_response_timeout", "application/problem+json");
        SingleFailureLog(gateway, "http_response_timeout");
    }

    [Fact]
    public async Task ClientAborts_IsLoggedAsAClientAbortNotAnUpstreamFailure()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(upstream.BaseAddress);
        using var cts = new CancellationTokenSource();

        var pending = gateway.GetAsync("/slow", cancellationToken: cts.Token);
        await upstream.RequestReceived.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);

        var entry = await gateway.WaitForGatewayErrorsLogAsync(2);
        Assert.Equal("catalog", entry.GetStructuredStateValue("Upstream"));
        Assert.Equal("/slow", entry.GetStructuredStateValue("Path"));
        Assert.DoesNotContain(gateway.GatewayErrorsLogs, static r => r.Id.Id is 1 or 3);
    }
}
