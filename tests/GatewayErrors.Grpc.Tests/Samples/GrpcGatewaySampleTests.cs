using System.Net;
using GatewayErrors.Grpc.Tests.Responses;
using GatewayErrors.Tests.TestSupport;
using Grpc.Core;
using Grpc.Net.Client;
using GrpcGateway;

namespace GatewayErrors.Grpc.Tests.Samples;

/// <summary>samples/GrpcGateway answers what its README shows: a gRPC status and the RFC 9209 type, not UNKNOWN.</summary>
public sealed class GrpcGatewaySampleTests
{
    [Fact]
    public async Task GrpcGateway_RefusingInventory_AnswersAsTheReadmeShows()
    {
        // As `dotnet run` would, from the sample's build output, on a port Kestrel picks.
        var tfm = new DirectoryInfo(AppContext.BaseDirectory);
        var output = RepositoryRoot.Combine("samples", "GrpcGateway", "bin", tfm.Parent!.Name, tfm.Name);
        await using var app = DotnetProcess.Start(output, new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" },
            Path.Combine(output, "GrpcGateway.dll"));
        var listening = await app.WaitForLineAsync(static l => l.Contains("Now listening on:", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var address = new Uri(listening[listening.IndexOf("http://", StringComparison.Ordinal)..].Trim());

        // A real gRPC client, generated from the sample's own .proto.
        using (var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } }))
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => new Orders.OrdersClient(channel).GetOrderAsync(new OrderRequest { Id = 7 }).ResponseAsync);
            Assert.True(error.StatusCode == StatusCode.Unavailable, $"{error}\n{app.Output}");
            Assert.Equal(GrpcAnswerTests.Title("connection_refused", "en"), error.Status.Detail);
            Assert.Equal("GrpcGateway;error=connection_refused", error.Trailers.GetValue("proxy-status"));
        }

        // The README's curl: HTTP/2 with prior knowledge, one empty message.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        using var request = GrpcAnswerTests.GrpcRequest("/orders.Orders/GetOrder", "application/grpc");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
        Assert.Equal("GrpcGateway;error=connection_refused", response.Headers.GetValues("Proxy-Status").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());

        // One entry per failure, naming the upstream.
        await app.WaitForLineAsync(static l => l.Contains("Upstream inventory failed with connection_refused", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("Exception was thrown by handler", app.Output, StringComparison.Ordinal);
    }
}
