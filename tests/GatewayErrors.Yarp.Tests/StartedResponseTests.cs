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

        // Either the upstream's 200 and headers reached the client and the body read fails, or the abort overtook the
        // buffered headers and the request fails: both are failures; a complete-looking short body would not be.
        var failure = await Record.ExceptionAsync(async () =>
        {
            using var response = await gateway.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(MisbehavingUpstream.DeclaredBodyLength, response.Content.Headers.ContentLength);
            await response.Content.ReadAsByteArrayAsync();
        });
        Assert.IsType<HttpRequestException>(failure, exactMatch: false);

        var entry = await gateway.WaitForGatewayErrorsLogAsync(3);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Equal("catalog", entry.GetStructuredStateValue("Upstream"));
        Assert.Equal(token, entry.GetStructuredStateValue("ErrorType"));
        Assert.DoesNotContain(gateway.GatewayErrorsLogs, static r => r.Id.Id == 1);
    }
}
