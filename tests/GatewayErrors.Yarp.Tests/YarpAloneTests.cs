using System.Net;
using GatewayErrors.Tests.Upstreams;
using GatewayErrors.Yarp.Tests.TestSupport;

namespace GatewayErrors.Yarp.Tests;

/// <summary>
/// The left column of docs/yarp.md, measured: the same proxy without GatewayErrors answers every failure with a bare
/// status, no body and no Proxy-Status, and blames the client (400) for a route timeout.
/// </summary>
public sealed class YarpAloneTests
{
    [Theory]
    [InlineData(MisbehaviorMode.ResetAfterRequest, HttpStatusCode.BadGateway)]
    [InlineData(MisbehaviorMode.CloseAfterRequest, HttpStatusCode.BadGateway)]
    [InlineData(MisbehaviorMode.Garbage, HttpStatusCode.BadGateway)]
    [InlineData(MisbehaviorMode.HugeHeader, HttpStatusCode.BadGateway)]
    [InlineData(MisbehaviorMode.StallBeforeHeaders, HttpStatusCode.GatewayTimeout)]
    public async Task MisbehavingUpstream_YarpAloneAnswersABareStatus(MisbehaviorMode mode, HttpStatusCode status)
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(mode);
        // Only the stalled upstream needs a short activity timeout; on a loaded machine the others may take longer to
        // answer than that, and must not turn into a 504.
        var timeout = mode == MisbehaviorMode.StallBeforeHeaders ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(30);
        await AssertBareAsync(upstream.BaseAddress, status, s => s.ActivityTimeout = timeout);
    }

    [Fact]
    public async Task Refused_YarpAloneAnswersABare502()
    {
        await using var port = await RefusedPort.StartAsync();
        await AssertBareAsync(port.BaseAddress, HttpStatusCode.BadGateway);
    }

    [Fact]
    public async Task UntrustedCertificate_YarpAloneAnswersABare502()
    {
        await using var upstream = await UntrustedTlsUpstream.StartAsync();
        await AssertBareAsync(upstream.BaseAddress, HttpStatusCode.BadGateway);
    }

    [Fact]
    public async Task FullAcceptQueue_YarpAloneAnswersABare504()
    {
        await using var port = await StalledConnectPort.StartAsync();
        await AssertBareAsync(port.BaseAddress, HttpStatusCode.GatewayTimeout, s => s.ActivityTimeout = TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task TlsHandshakeStalls_YarpAloneAnswersABare504()
    {
        await using var upstream = await TlsFailureUpstream.StartAsync(TlsFailureMode.StallAfterClientHello);
        await AssertBareAsync(upstream.BaseAddress, HttpStatusCode.GatewayTimeout, s => s.ActivityTimeout = TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task NoDestinations_YarpAloneAnswersABare503()
        => await AssertBareAsync(null, HttpStatusCode.ServiceUnavailable);

    [Fact]
    public async Task RouteTimeout_YarpAloneAnswers400()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        await AssertBareAsync(new Uri(upstream.BaseAddress, "slow"), HttpStatusCode.BadRequest, s => s.RouteTimeout = TimeSpan.FromMilliseconds(300));
    }

    private static async Task AssertBareAsync(Uri? destination, HttpStatusCode status, Action<YarpTestGatewaySettings>? configure = null)
    {
        await using var gateway = await YarpTestGateway.StartAsync(destination, s =>
        {
            s.GatewayErrors = false;
            configure?.Invoke(s);
        });

        using var response = await gateway.GetAsync("/", "text/html");

        Assert.Equal(status, response.StatusCode);
        Assert.False(response.Headers.Contains("Proxy-Status"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }
}
