using System.Diagnostics;
using System.Text.Json;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// samples/FailFast, started as its README says (Development): the refusing inventory fails fast once its circuit
/// opens, health and the diagnostics endpoint show it, and the maintenance switch isolates the catalog and brings it
/// back.
/// </summary>
/// <remarks>
/// The catalog's failing period starts 20 s after the sample does (real time, hard-coded in the sample), so the tests
/// drive the inventory's circuit instead and read the catalog only in its first, healthy period.
/// </remarks>
public sealed class FailFastSampleTests(FailFastSampleTests.Sample sample) : IClassFixture<FailFastSampleTests.Sample>
{
    [Fact]
    public async Task RefusedInventory_502ConnectionRefused_Then503WithRetryAfterOnceTheCircuitOpens_HealthAndDiagnosticsShowIt()
    {
        var statuses = new List<string>();
        HttpResponseMessage? open = null;
        for (var i = 0; i < 10 && open is null; i++)
        {
            var response = await sample.App.GetAsync("/stock");
            statuses.Add($"{(int)response.StatusCode} {ProxyStatusError(response)}");
            if ((int)response.StatusCode == 503)
            {
                open = response;
            }
            else
            {
                await sample.App.AssertStatusAsync(502, response);
                response.Dispose();
            }
        }

        using (open)
        {
            Assert.True(open is not null, "The circuit never opened: " + string.Join(", ", statuses) + "\n" + sample.App.Output);
            Assert.Equal("502 connection_refused", statuses[0]);
            Assert.Equal("destination_unavailable", ProxyStatusError(open));
            Assert.True(int.Parse(open.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        }

        using var health = await sample.App.GetAsync("/health");
        await sample.App.AssertStatusAsync(503, health);
        Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync());

        using var diagnostics = await sample.App.GetAsync("/_gateway/upstreams?format=json");
        await sample.App.AssertStatusAsync(200, diagnostics);
        using var json = JsonDocument.Parse(await diagnostics.Content.ReadAsStringAsync());
        var upstreams = json.RootElement.GetProperty("upstreams").EnumerateArray().ToDictionary(static u => u.GetProperty("name").GetString()!);
        Assert.Equal(["catalog", "inventory"], upstreams.Keys.Order());
        Assert.Equal("open", upstreams["inventory"].GetProperty("circuit").GetProperty("state").GetString());
        Assert.Equal("Inventory service", upstreams["inventory"].GetProperty("displayName").GetString());
        Assert.True(upstreams["inventory"].GetProperty("failures").GetProperty("byErrorType").GetProperty("connection_refused").GetInt32() > 0);
    }

    [Fact]
    public async Task MaintenanceSwitch_IsolatesTheCatalog_503WithoutRetryAfter_ThenBackInService()
    {
        await AssertCatalogAnswersAsync();

        using (var isolate = await sample.App.Client.PostAsync("/maintenance/catalog", content: null))
        {
            await sample.App.AssertStatusAsync(200, isolate);
        }

        using (var isolated = await sample.App.GetAsync("/products"))
        {
            await sample.App.AssertStatusAsync(503, isolated);
            Assert.Equal("destination_unavailable", ProxyStatusError(isolated));
            Assert.False(isolated.Headers.Contains("Retry-After"), "An isolated upstream has no time to come back.");
        }

        using (var close = await sample.App.Client.DeleteAsync("/maintenance/catalog"))
        {
            await sample.App.AssertStatusAsync(200, close);
        }

        await AssertCatalogAnswersAsync();
    }

    /// <summary>
    /// In the first 20 s the catalog answers 200. The fixture's clock started before the sample's, so while it reads
    /// less than 20 s the sample is certainly in that period; later the catalog may be failing, which this does not judge.
    /// </summary>
    private async Task AssertCatalogAnswersAsync()
    {
        using var response = await sample.App.GetAsync("/products");
        if (sample.SinceStart.Elapsed < TimeSpan.FromSeconds(19))
        {
            await sample.App.AssertStatusAsync(200, response);
            Assert.Equal("[\"teapot\",\"kettle\"]\n", await response.Content.ReadAsStringAsync());
        }
        else
        {
            // A failing period answers 502, or 503 with Retry-After once the circuit opens; only isolation answers 503 without.
            Assert.False((int)response.StatusCode == 503 && !response.Headers.Contains("Retry-After"), "The catalog is still isolated.");
        }
    }

    /// <summary>The sample in Development, as the README starts it.</summary>
    public sealed class Sample : SampleFixture
    {
        internal Stopwatch SinceStart { get; } = new();

        internal override Task<SampleApp> StartAsync()
        {
            SinceStart.Start();
            return SampleApp.StartAsync("FailFast", new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Development" });
        }
    }
}
