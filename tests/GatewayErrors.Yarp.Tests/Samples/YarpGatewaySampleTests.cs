using System.Net;
using System.Text.Json;
using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Yarp.Tests.Samples;

/// <summary>samples/YarpGateway answers what its README shows: the shop through, the inventory as a 502 page.</summary>
public sealed class YarpGatewaySampleTests
{
    [Fact]
    public async Task YarpGateway_HealthyAndBrokenClusters_AnswerAsTheReadmeShows()
    {
        // As `dotnet run` would, from the sample's build output, on a port Kestrel picks.
        var tfm = new DirectoryInfo(AppContext.BaseDirectory);
        var output = RepositoryRoot.Combine("samples", "YarpGateway", "bin", tfm.Parent!.Name, tfm.Name);
        await using var app = DotnetProcess.Start(output, new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" },
            Path.Combine(output, "YarpGateway.dll"));
        var listening = await app.WaitForLineAsync(static l => l.Contains("Now listening on:", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        using var client = new HttpClient
        {
            BaseAddress = new Uri(listening[listening.IndexOf("http://", StringComparison.Ordinal)..].Trim()),
            Timeout = TimeSpan.FromSeconds(30),
        };

        using (var shop = await client.GetAsync("/shop/products"))
        {
            var body = await shop.Content.ReadAsStringAsync();
            Assert.True(shop.StatusCode == HttpStatusCode.OK, $"{(int)shop.StatusCode}: {body}\n{app.Output}");
            Assert.Equal("The shop answered /products\n", body);
            Assert.False(shop.Headers.Contains("Proxy-Status"));
        }

        using (var text = await client.GetAsync("/inventory/items/7"))
        {
            var body = await text.Content.ReadAsStringAsync();
            Assert.True(text.StatusCode == HttpStatusCode.BadGateway, $"{(int)text.StatusCode}: {body}\n{app.Output}");
            Assert.Equal("YarpGateway;error=connection_refused", string.Join(", ", text.Headers.GetValues("Proxy-Status")));
            Assert.Equal("no-store", text.Headers.CacheControl?.ToString());
            Assert.Equal("text/plain; charset=utf-8", text.Content.Headers.ContentType?.ToString());
            Assert.StartsWith("502 Bad Gateway: Upstream service refused the connection\n", body, StringComparison.Ordinal);
            Assert.Contains("Upstream: Inventory service\n", body, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/inventory/items/7");
        request.Headers.Accept.ParseAdd("application/json");
        using var problem = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadGateway, problem.StatusCode);
        Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(await problem.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("connection_refused", json.GetProperty("errorType").GetString());
        Assert.Equal("Inventory service", json.GetProperty("upstream").GetString());

        // One entry per failure, naming the cluster; YARP's own repeat is turned off in appsettings.json.
        await app.WaitForLineAsync(static l => l.Contains("Upstream inventory failed with connection_refused", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("Yarp.ReverseProxy.Forwarder.HttpForwarder", app.Output, StringComparison.Ordinal);
    }
}
