using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Parser;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace GatewayErrors.Tests.Hardening;

/// <summary>
/// Bursts of 1,000 failing (refused upstream) and 1,000 succeeding (<see cref="OkUpstream"/>) requests at the same time
/// through one app: every answer is right, every error carries the trace id of its own request, and managed memory
/// comes back to where it was after a soak of several bursts.
/// </summary>
[Collection(HardeningTestGroup.Name)]
[Trait("Category", "Hardening")]
public class ConcurrencyTests(ITestOutputHelper output)
{
    private const int PerKind = 1_000;
    private const int SoakBursts = 2;

    private static readonly HtmlParser Parser = new();

    [Fact]
    public async Task BurstsOfFailingAndSucceedingRequests_EachAnswerCarriesItsOwnTraceId_AndMemoryReturnsToBaseline()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var ok = await OkUpstream.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(refused.BaseAddress, s =>
        {
            s.Services = services =>
            {
                services.AddHttpClient("ok", c => c.BaseAddress = ok.BaseAddress).AddGatewayErrorsHandler();

                // Keep what the app logs bounded (the capture keeps every entry): per-request Debug entries from hosting
                // would otherwise be the growth this test measures. Failures still log at Warning.
                services.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(null, null, LogLevel.Warning, null)));
            };
            s.Endpoints = endpoints => endpoints.MapGet("/ok", async (IHttpClientFactory factory, HttpContext context) =>
                await factory.CreateClient("ok").GetStringAsync("/", context.RequestAborted));
        });

        var random = new Random(HostileRequests.SeedFromEnvironment());
        await BurstAsync(app, random);
        var baseline = ManagedMemory.Measure();
        var watch = Stopwatch.StartNew();
        for (var burst = 0; burst < SoakBursts; burst++)
        {
            await BurstAsync(app, random);
        }

        var after = ManagedMemory.Measure();
        output.WriteLine($"{SoakBursts} bursts of {2 * PerKind} requests in {watch.Elapsed}; {ManagedMemory.Describe(baseline, after)}");

        // 4,000 requests after the warm-up: a leak of 3 KB per request would show as 12 MiB. The bound leaves room for pools and
        // caches that size themselves to the concurrency reached (connection pool, array pools, Kestrel's memory pool).
        Assert.True(after - baseline < 12 * ManagedMemory.MiB, ManagedMemory.Describe(baseline, after));
        Assert.DoesNotContain(app.Logs.GetSnapshot(), static e => e.Level >= LogLevel.Error);
    }

    private static async Task BurstAsync(GatewayTestApp app, Random random)
    {
        var calls = new List<Task>(2 * PerKind);
        for (var i = 0; i < PerKind; i++)
        {
            calls.Add(FailingAsync(app, TraceId(random), (i % 3) switch { 0 => "application/json", 1 => "text/html", _ => "text/plain" }));
            calls.Add(SucceedingAsync(app, TraceId(random)));
        }

        // Bounded: a request that never answers must fail the test, not hang the run.
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static async Task FailingAsync(GatewayTestApp app, string traceId, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/proxy/items");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        request.Headers.Add("Accept", accept);
        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("connection_refused", ResponseAssertions.ProxyStatusError(response));
        var body = await response.Content.ReadAsStringAsync();
        switch (accept)
        {
            case "application/json":
                using (var problem = JsonDocument.Parse(body))
                {
                    Assert.Equal(traceId, problem.RootElement.GetProperty("traceId").GetString());
                }

                break;
            case "text/html":
                using (var page = Parser.ParseDocument(body))
                {
                    // The reference section shows the trace id; no other trace id may appear anywhere on the page.
                    Assert.Contains(page.QuerySelectorAll(".gw-ref code"), c => c.TextContent == traceId);
                    Assert.DoesNotMatch("[0-9a-f]{32}", body.Replace(traceId, "", StringComparison.Ordinal));
                }

                break;
            default:
                Assert.Contains($"Trace id: {traceId}\n", body, StringComparison.Ordinal);
                Assert.DoesNotMatch("[0-9a-f]{32}", body.Replace(traceId, "", StringComparison.Ordinal));
                break;
        }
    }

    private static async Task SucceedingAsync(GatewayTestApp app, string traceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ok");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("Proxy-Status"));
    }

    private static string TraceId(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
