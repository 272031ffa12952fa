using System.Net;
using System.Text.Json;
using GatewayErrors.Tests.Resilience;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GatewayErrors.Tests.Diagnostics;

public sealed class DiagnosticsEndpointTests
{
    [Fact]
    public async Task Production_NotEnabled_Returns404()
    {
        await using var gateway = await StartAsync("Production", new());

        var response = await gateway.Client.GetAsync("/_gateway/upstreams");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Development_EnabledByDefault_ExplicitFalse_Returns404()
    {
        await using var gateway = await StartAsync("Development", new() { ["GatewayErrors:Diagnostics:EnableEndpoint"] = "false" });

        var response = await gateway.Client.GetAsync("/_gateway/upstreams");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ProductionExplicitlyAllowed_Json_ListsFailuresCircuitAndSteps()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await ResilienceFixture.StartAsync(
            upstream.BaseAddress,
            ResilienceFixture.QuickCircuit(("GatewayErrors:Diagnostics:EnableEndpoint", "true")),
            endpoints: app => app.MapGatewayErrorsDiagnostics());
        await gateway.Client.GetAsync("/get");
        await gateway.Client.GetAsync("/get");
        await gateway.Client.GetAsync("/get");

        var response = await gateway.Client.GetAsync("/_gateway/upstreams?format=json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var catalog = json.RootElement.GetProperty("upstreams").EnumerateArray().Single(u => u.GetProperty("name").GetString() == "catalog");
        Assert.Equal("open", catalog.GetProperty("circuit").GetProperty("state").GetString());
        Assert.Equal(5, catalog.GetProperty("circuit").GetProperty("retryAfterSeconds").GetInt32());
        Assert.Equal(3, catalog.GetProperty("failures").GetProperty("total").GetInt64());
        Assert.Equal(2, catalog.GetProperty("failures").GetProperty("byErrorType").GetProperty("upstream_server_error").GetInt64());
        Assert.Equal(1, catalog.GetProperty("failures").GetProperty("byErrorType").GetProperty("destination_unavailable").GetInt64());
        Assert.Equal("destination_unavailable", catalog.GetProperty("lastError").GetProperty("errorType").GetString());
        Assert.NotEmpty(catalog.GetProperty("troubleshooting").EnumerateArray());
    }

    [Fact]
    public async Task Development_Html_EncodesEveryValue()
    {
        await using var gateway = await StartAsync("Development", new() { ["GatewayErrors:Upstreams:catalog:DisplayName"] = "Catalog <b>service</b>" });
        await gateway.Client.GetAsync("/hostile");

        var response = await gateway.Client.GetAsync("/_gateway/upstreams");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/html", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>service", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("connection_refused", html, StringComparison.Ordinal);
    }

    private static Task<GatewayTestApp> StartAsync(string environment, Dictionary<string, string?> settings)
        => ResilienceFixture.StartGatewayAsync(
            settings,
            _ => { },
            app =>
            {
                app.MapGatewayErrorsDiagnostics();
                app.MapGet("/hostile", (HttpContext _) => throw new UpstreamFailureException(new UpstreamFailure("catalog", GatewayErrorType.ConnectionRefused)
                {
                    Exception = new InvalidOperationException("<script>alert(1)</script>"),
                }));
            },
            environment);
}
