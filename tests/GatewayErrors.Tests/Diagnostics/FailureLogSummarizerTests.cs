using System.Globalization;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace GatewayErrors.Tests.Diagnostics;

public sealed class FailureLogSummarizerTests
{
    internal const int FullEntry = 1;
    internal const int Summary = 200;

    [Fact]
    public async Task BurstOfThousandsOfFailures_OneFullEntryPerCause_SummariesAddUp()
    {
        using var services = Build(new Dictionary<string, string?>(), out var time, out var logs);
        var reporter = services.GetRequiredService<FailureReporter>();
        var burst = new (string Upstream, GatewayErrorType Type, int Count)[]
        {
            ("catalog", GatewayErrorType.ConnectionRefused, 6000),
            ("catalog", GatewayErrorType.HttpResponseTimeout, 1500),
            ("inventory", GatewayErrorType.ConnectionRefused, 40),
        };

        await Task.WhenAll(burst.Select(b => Task.Run(() => Parallel.For(0, b.Count, _ => Report(reporter, b.Upstream, b.Type)))));
        var fullDuringBurst = WithEventId(logs, FullEntry).Length;
        var summariesDuringBurst = WithEventId(logs, Summary).Length;
        time.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(3, fullDuringBurst);
        Assert.Equal(0, summariesDuringBurst);
        foreach (var (upstream, type, count) in burst)
        {
            var name = ErrorTaxonomy.Get(type).Name;
            var full = WithEventId(logs, FullEntry).Count(e => Is(e, upstream, name));
            var summaries = WithEventId(logs, Summary).Where(e => Is(e, upstream, name)).ToList();
            Assert.Equal(1, full);
            Assert.Single(summaries);
            Assert.Equal(count, full + summaries.Sum(e => long.Parse(e.GetStructuredStateValue("Count")!, CultureInfo.InvariantCulture)));
            Assert.Contains($"{count - 1} more times in the last 10 s", summaries[0].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FailureAfterTheWindow_LoggedInFullAgain_AfterTheSummary()
    {
        using var services = Build(new Dictionary<string, string?>(), out var time, out var logs);
        var reporter = services.GetRequiredService<FailureReporter>();

        Report(reporter, "catalog", GatewayErrorType.ConnectionRefused);
        Report(reporter, "catalog", GatewayErrorType.ConnectionRefused);
        time.Advance(TimeSpan.FromSeconds(10));
        Report(reporter, "catalog", GatewayErrorType.ConnectionRefused);

        Assert.Equal([FullEntry, Summary, FullEntry], logs.GetSnapshot().Select(e => e.Id.Id).Where(id => id is FullEntry or Summary));
    }

    [Fact]
    public void ZeroWindow_EveryFailureLoggedInFull()
    {
        using var services = Build(new Dictionary<string, string?> { ["GatewayErrors:Diagnostics:LogSummaryWindow"] = "00:00:00" }, out _, out var logs);
        var reporter = services.GetRequiredService<FailureReporter>();

        for (var i = 0; i < 5; i++)
        {
            Report(reporter, "catalog", GatewayErrorType.ConnectionRefused);
        }

        Assert.Equal(5, WithEventId(logs, FullEntry).Length);
        Assert.Empty(WithEventId(logs, Summary));
    }

    [Fact]
    public void Dispose_WritesTheSummariesOfOpenWindows()
    {
        var services = Build(new Dictionary<string, string?>(), out _, out var logs);
        var reporter = services.GetRequiredService<FailureReporter>();
        Report(reporter, "catalog", GatewayErrorType.ConnectionRefused);
        Report(reporter, "catalog", GatewayErrorType.ConnectionRefused);

        services.Dispose();

        Assert.Equal("1", WithEventId(logs, Summary).Single().GetStructuredStateValue("Count"));
    }

    private static FakeLogRecord[] WithEventId(FakeLogCollector logs, int id) => logs.GetSnapshot().Where(e => e.Id.Id == id).ToArray();

    private static bool Is(FakeLogRecord entry, string upstream, string errorType)
        => entry.GetStructuredStateValue("Upstream") == upstream && entry.GetStructuredStateValue("ErrorType") == errorType;

    private static void Report(FailureReporter reporter, string upstream, GatewayErrorType type)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/products";
        var failure = new UpstreamFailure(upstream, type);
        reporter.Report(context, Answer.Error(failure, ErrorTaxonomy.Get(type).RecommendedStatus), "trace");
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, out FakeTimeProvider time, out FakeLogCollector logs)
    {
        var clock = new FakeTimeProvider();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddSingleton<TimeProvider>(clock)
            .AddLogging(logging => logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug))
            .AddGatewayErrors()
            .BuildServiceProvider();
        time = clock;
        logs = services.GetFakeLogCollector();
        return services;
    }
}
