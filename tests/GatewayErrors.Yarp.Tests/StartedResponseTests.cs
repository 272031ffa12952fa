using System.Net;
using GatewayErrors.Tests.Upstreams;
using GatewayErrors.Yarp.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace GatewayErrors.Yarp.Tests;

/// <summary>
/// A body that breaks after the headers went out cannot become an error page: the client must see the connection
/// fail, never a short body that reads as a success, and the log must say which cluster failed.
/// </summary>
public sealed class StartedResponseTests
{
    [Theory]
    [InlineData(MisbehaviorMode.TruncatedBody, "http_response_incomplete")]
    [InlineData(MisbehaviorMode.StallMidBody, "http_response_timeout")]
    public async Task BodyBreaksAfterHeaders_AbortsTheConnectionAndLogsTheCluster(MisbehaviorMode mode, string token)
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(mode);
        await using var gateway = await YarpTestGateway.StartAsync(upstream.BaseAddress, s => s.ActivityTimeout = TimeSpan.FromMilliseconds(500));

        using var response = await gateway.GetAsync("/");

        // The upstream's 200 and its headers were already forwarded...
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MisbehavingUpstream.DeclaredBodyLength, response.Content.Headers.ContentLength);
        // ...so the body read must fail rather than end early.
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsByteArrayAsync());

        var entry = await gateway.WaitForGatewayErrorsLogAsync(3);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Equal("catalog", entry.GetStructuredStateValue("Upstream"));
        Assert.Equal(token, entry.GetStructuredStateValue("ErrorType"));
        Assert.DoesNotContain(gateway.GatewayErrorsLogs, static r => r.Id.Id == 1);
    }
}
