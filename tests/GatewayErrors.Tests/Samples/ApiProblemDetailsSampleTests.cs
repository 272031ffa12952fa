using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Samples;

/// <summary>samples/ApiProblemDetails: the API's own problems and GatewayErrors' come out in one shape.</summary>
public sealed class ApiProblemDetailsSampleTests(ApiProblemDetailsSampleTests.Sample sample) : IClassFixture<ApiProblemDetailsSampleTests.Sample>
{
    [Fact]
    public async Task RefusedInventory_Returns502ProblemWithTheAppsCustomization()
    {
        using var response = await sample.App.GetAsync("/orders/42", "application/json");

        await sample.App.AssertStatusAsync(502, response);
        Assert.Equal("orders-api;error=connection_refused", string.Join(", ", response.Headers.GetValues("Proxy-Status")));
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        var problem = await ProblemAsync(response);
        Assert.Equal("connection_refused", problem.GetProperty("errorType").GetString());
        Assert.Equal("Inventory service", problem.GetProperty("upstream").GetString());
        Assert.Equal("/orders/42", problem.GetProperty("instance").GetString());
        Assert.Equal("orders-api", problem.GetProperty("service").GetString());
        Assert.False(problem.GetProperty("retryable").GetBoolean());

        // ASP.NET Core's writer sets traceId to the whole W3C traceparent-style activity id, as the README shows.
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", problem.GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task UnknownOrder_Returns404ProblemInTheSameShape()
    {
        using var response = await sample.App.GetAsync("/orders/0", "application/json");

        await sample.App.AssertStatusAsync(404, response);
        Assert.False(response.Headers.Contains("Proxy-Status"));
        var problem = await ProblemAsync(response);
        Assert.Equal("No such order", problem.GetProperty("title").GetString());
        Assert.Equal("orders-api", problem.GetProperty("service").GetString());
    }

    public sealed class Sample() : RefusedUpstreamSample("ApiProblemDetails", "InventoryUrl");
}
