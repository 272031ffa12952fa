using System.Text.RegularExpressions;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// samples/FailFast's README promises one full log entry per upstream and error type during an outage, then summaries.
/// The sample runs (Development, as the README starts it) through the refusing inventory's outage, and its console is
/// read back line by line: the promise holds when nobody else floods the same console (Polly's resilience events,
/// IHttpClientFactory's per-attempt entries with their stack traces).
/// </summary>
public sealed partial class FailFastSampleLogTests
{
    [Fact]
    public async Task RefusedInventoryOutage_ConsoleHasOneEntryPerUpstreamAndErrorType_NoPollyOrHttpClientEntries()
    {
        await using var app = await SampleApp.StartAsync("FailFast", new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Development" });

        // Through the circuit's opening and well into its break: 502 connection_refused, then 503 destination_unavailable.
        var statuses = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await app.GetAsync("/stock");
            statuses.Add((int)response.StatusCode);
        }

        var output = app.Output;
        var byCategory = EntryHeader().Matches(output)
            .GroupBy(static m => m.Groups["category"].Value, StringComparer.Ordinal)
            .ToDictionary(static g => g.Key, static g => g.Count(), StringComparer.Ordinal);
        var failures = FailureEntry().Matches(output)
            .GroupBy(static m => (m.Groups["upstream"].Value, m.Groups["type"].Value))
            .ToDictionary(static g => g.Key, static g => g.Count());
        var report = string.Join(", ", byCategory.Select(static c => $"{c.Key}={c.Value}")) + "\n--- app output ---\n" + output;

        Assert.Contains(502, statuses);
        Assert.Contains(503, statuses);
        Assert.DoesNotContain(byCategory.Keys, static c => c.StartsWith("Polly", StringComparison.Ordinal));
        Assert.DoesNotContain(byCategory.Keys, static c => c.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal));
        Assert.False(output.Contains("   at System.Net.", StringComparison.Ordinal), "A stack trace reached the console: " + report);
        Assert.Equal(
            new Dictionary<(string, string), int> { [("inventory", "connection_refused")] = 1, [("inventory", "destination_unavailable")] = 1 },
            failures);

        // What is left is GatewayErrors' own (the two failures, the circuit opening) and the host's start-up lines.
        var ours = byCategory.Where(static c => c.Key.StartsWith("GatewayErrors", StringComparison.Ordinal)).Sum(static c => c.Value);
        Assert.True(ours is >= 3 and <= 4, report);
        Assert.True(byCategory.Values.Sum() - ours <= 6, report);
    }

    /// <summary>The first line of an entry in the console logger's default (simple) format: <c>warn: Category[EventId]</c>.</summary>
    [GeneratedRegex(@"^(?:trce|dbug|info|warn|fail|crit): (?<category>[^\[\s]+)\[\d+\]", RegexOptions.Multiline)]
    private static partial Regex EntryHeader();

    /// <summary>GatewayErrors' full failure entry (event 1, <c>UpstreamFailure</c>).</summary>
    [GeneratedRegex(@"Upstream (?<upstream>\S+) failed with (?<type>[a-z_]+); answered")]
    private static partial Regex FailureEntry();
}
