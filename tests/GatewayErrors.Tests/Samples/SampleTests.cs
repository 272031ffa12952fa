using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GatewayErrors.Tests.Upstreams;

namespace GatewayErrors.Tests.Samples;

/// <summary>The samples answer what their READMEs show, with the refused port made certain instead of assumed (port 9).</summary>
public sealed class SampleTests
{
    [Fact]
    public async Task Minimal_RefusedCatalog_Returns502WithProxyStatus()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await SampleApp.StartAsync("Minimal", new Dictionary<string, string?> { ["CatalogUrl"] = refused.BaseAddress.ToString() });

        using var response = await GetAsync(app, "/products", accept: null);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadGateway, $"{(int)response.StatusCode}: {body}\n{app.Output}");
        Assert.Equal("Minimal;error=connection_refused", string.Join(", ", response.Headers.GetValues("Proxy-Status")));
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("Error type: connection_refused", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiProblemDetails_RefusedInventory_Returns502ProblemWithTheAppsCustomization()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await SampleApp.StartAsync("ApiProblemDetails", new Dictionary<string, string?> { ["InventoryUrl"] = refused.BaseAddress.ToString() });

        using var response = await GetAsync(app, "/orders/42", "application/json");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadGateway, $"{(int)response.StatusCode}: {body}\n{app.Output}");
        Assert.Equal("orders-api;error=connection_refused", string.Join(", ", response.Headers.GetValues("Proxy-Status")));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("connection_refused", problem.GetProperty("errorType").GetString());
        Assert.Equal("Inventory service", problem.GetProperty("upstream").GetString());
        Assert.Equal("/orders/42", problem.GetProperty("instance").GetString());
        Assert.Equal("orders-api", problem.GetProperty("service").GetString());
        Assert.False(problem.GetProperty("retryable").GetBoolean());
    }

    [Fact]
    public async Task ApiProblemDetails_UnknownOrder_Returns404ProblemInTheSameShape()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await SampleApp.StartAsync("ApiProblemDetails", new Dictionary<string, string?> { ["InventoryUrl"] = refused.BaseAddress.ToString() });

        using var response = await GetAsync(app, "/orders/0", "application/json");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{(int)response.StatusCode}: {body}\n{app.Output}");
        Assert.False(response.Headers.Contains("Proxy-Status"));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("orders-api", JsonDocument.Parse(body).RootElement.GetProperty("service").GetString());
    }

    private static async Task<HttpResponseMessage> GetAsync(SampleApp app, string path, string? accept)
    {
        using var client = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        return await client.SendAsync(request);
    }
}
