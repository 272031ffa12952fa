using System.Net;
using GatewayErrors.Tests.Samples;
using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Tests.StaleIfError;

/// <summary>samples/OutagePlayground's stale-if-error route does what its README shows: break the upstream, get the kept copy.</summary>
public sealed class PlaygroundStaleTests
{
    [Fact]
    public async Task BreakingInventoryUpstream_ServesLastGoodAnswer_FixingItServesFreshAgain()
    {
        await using var sample = await SampleApp.StartAsync("OutagePlayground");
        string kept;
        using (var first = await sample.GetAsync("/stale/inventory"))
        {
            await sample.AssertStatusAsync(200, first);
            kept = await first.Content.ReadAsStringAsync();
            Assert.StartsWith("Inventory as of ", kept, StringComparison.Ordinal);
        }

        using (var broken = await sample.Client.PostAsync("/stale/break", null))
        {
            await sample.AssertStatusAsync(200, broken);
        }

        // The copy is written in the background after the first answer: ask until it is there.
        using (var stale = await GetUntilAsync(sample, static r => r.Headers.Contains("Cache-Status")))
        {
            Assert.Equal(kept, await stale.Content.ReadAsStringAsync());
            Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(stale));
            Assert.Equal(true, Assert.Single(StructuredFieldList.Parse(string.Join(", ", stale.Headers.GetValues("Cache-Status"))))["hit"]);
            Assert.NotNull(stale.Headers.Age);
        }

        using (var fixedUpstream = await sample.Client.PostAsync("/stale/fix", null))
        {
            await sample.AssertStatusAsync(200, fixedUpstream);
        }

        // The hold-down lets one probe through per second; the first success ends it.
        using var fresh = await GetUntilAsync(sample, static r => !r.Headers.Contains("Cache-Status"));
        Assert.StartsWith("Inventory as of ", await fresh.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> GetUntilAsync(SampleApp sample, Func<HttpResponseMessage, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var response = await sample.GetAsync("/stale/inventory");
            if (response.StatusCode == HttpStatusCode.OK && done(response))
            {
                return response;
            }

            response.Dispose();
            Assert.True(DateTime.UtcNow < deadline, "The playground never gave the expected answer. Output: " + sample.Output);
            await Task.Delay(50);
        }
    }
}
