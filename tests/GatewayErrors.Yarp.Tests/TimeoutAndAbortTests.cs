using System.Net;
using System.Net.Sockets;
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

    [Fact]
    public async Task ClientSendsABrokenBody_IsAClientErrorNotAnUpstreamFailure()
    {
        await using var upstream = await OkUpstream.StartAsync();
        await using var gateway = await YarpTestGateway.StartAsync(upstream.BaseAddress);

        // A body 90 bytes shorter than its Content-Length, then the client stops sending: Kestrel fails the body read,
        // and YARP blames the client (RequestBodyClient).
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, gateway.Address.Port);
        await socket.SendAsync("POST /orders HTTP/1.1\r\nHost: gateway\r\nContent-Length: 100\r\n\r\n0123456789"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);
        var answer = await ReadToEndAsync(socket);

        var entry = await gateway.WaitForGatewayErrorsLogAsync(2);
        Assert.Equal("catalog", entry.GetStructuredStateValue("Upstream"));
        Assert.DoesNotContain(gateway.GatewayErrorsLogs, static r => r.Id.Id is 1 or 3);
        // Whatever reached the client (if anything did), it is not a gateway error.
        Assert.DoesNotContain("Proxy-Status", answer, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" 502 ", answer, StringComparison.Ordinal);
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        var received = new System.Text.StringBuilder();
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
            {
                received.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (SocketException)
        {
            // Reset instead of closed: the client is treated as gone, which is also an answer.
        }

        return received.ToString();
    }
}
