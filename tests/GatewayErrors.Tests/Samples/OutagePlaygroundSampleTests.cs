using System.Globalization;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using GatewayErrors.Tests.TestSupport;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// samples/OutagePlayground answers every row of its README's scenario table as the row says, in each of the three
/// formats, and its home page (rendered from Scenarios.cs) lists exactly those rows. A row added to the README is
/// tested here without a change to this file.
/// </summary>
public sealed partial class OutagePlaygroundSampleTests(OutagePlaygroundSampleTests.Sample sample) : IClassFixture<OutagePlaygroundSampleTests.Sample>
{
    private static readonly (string? Accept, string MediaType)[] Formats =
    [
        (null, "text/plain"),
        ("application/json", "application/problem+json"),
        ("text/html", "text/html"),
    ];

    /// <summary>The README's scenario table: endpoint, expected status, <c>Retry-After</c> if it names one, error token.</summary>
    public static TheoryData<string, int, string?, string?> ReadmeRows()
    {
        var rows = new TheoryData<string, int, string?, string?>();
        foreach (var row in ReadReadmeTable())
        {
            rows.Add(row.Path, row.Status, row.RetryAfter, row.Error);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(ReadmeRows))]
    public async Task ReadmeRow_AnswersItsStatusProxyStatusAndFormat(string path, int status, string? retryAfter, string? error)
    {
        // The three formats at once: the slow rows then cost their deadline once, not three times.
        var responses = await Task.WhenAll(Formats.Select(f => sample.App.GetAsync(path, f.Accept)));
        try
        {
            foreach (var ((accept, mediaType), response) in Formats.Zip(responses))
            {
                var body = await response.Content.ReadAsStringAsync();
                await sample.App.AssertStatusAsync(status, response);
                if (error is null)
                {
                    Assert.False(response.Headers.Contains("Proxy-Status"), $"{path}: a success carries no Proxy-Status");
                    continue;
                }

                Assert.Equal(error, ProxyStatusError(response));
                Assert.Equal(new Token("outage-playground"), ProxyStatus(response).Value);
                Assert.True(response.Headers.CacheControl?.NoStore, $"{path} ({accept}): Cache-Control: no-store");
                Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
                Assert.Equal(retryAfter, response.Headers.TryGetValues("Retry-After", out var values) ? string.Join(", ", values) : null);
                switch (mediaType)
                {
                    case "text/plain":
                        Assert.StartsWith(status.ToString(CultureInfo.InvariantCulture) + " ", body, StringComparison.Ordinal);
                        Assert.Contains("\nError type: " + error + "\n", body, StringComparison.Ordinal);
                        break;
                    case "application/problem+json":
                        var problem = await ProblemAsync(response);
                        Assert.Equal(status, problem.GetProperty("status").GetInt32());
                        Assert.Equal(error, problem.GetProperty("errorType").GetString());
                        Assert.Equal(path, problem.GetProperty("instance").GetString());
                        break;
                    default:
                        var page = new HtmlParser().ParseDocument(body);
                        Assert.StartsWith("<!DOCTYPE html>", body.TrimStart(), StringComparison.OrdinalIgnoreCase);
                        Assert.Contains(error, page.Body!.TextContent, StringComparison.Ordinal);
                        break;
                }
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task HomePage_ListsExactlyTheReadmesScenarios()
    {
        using var response = await sample.App.GetAsync("/", "text/html");
        await sample.App.AssertStatusAsync(200, response);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());

        var listed = page.QuerySelectorAll("tbody tr").Select(static row =>
            row.QuerySelector("th a")!.GetAttribute("href") + " " + row.QuerySelector("td.status code")!.TextContent);
        var documented = ReadReadmeTable().Select(static row => $"{row.Path} {row.Status}" + (row.Error is null ? "" : " " + row.Error));
        Assert.Equal(documented, listed);
    }

    [Fact]
    public async Task Development_ProxyStatusAndProblemNameTheNextHopAndTheException()
    {
        using var response = await sample.App.GetAsync("/demo/refused", "application/json");

        await sample.App.AssertStatusAsync(502, response);
        var nextHop = Assert.IsType<string>(ProxyStatus(response)["next-hop"]);
        Assert.Matches(@"^127\.0\.0\.1:\d+$", nextHop);
        Assert.False(string.IsNullOrEmpty(Assert.IsType<string>(ProxyStatus(response)["details"])));
        Assert.Equal(nextHop, (await ProblemAsync(response)).GetProperty("nextHop").GetString());
    }

    private static List<(string Path, int Status, string? RetryAfter, string? Error)> ReadReadmeTable()
    {
        var readme = File.ReadAllLines(RepositoryRoot.Combine("samples", "OutagePlayground", "README.md"));
        var rows = readme
            .SkipWhile(static l => l != "## Scenarios")
            .Where(static l => l.StartsWith("| `/", StringComparison.Ordinal))
            .Select(static line =>
            {
                var cells = line.Trim('|').Split('|').Select(static c => c.Trim()).ToArray();
                var status = Status().Match(cells[2]);
                var retryAfter = RetryAfter().Match(cells[2]);
                return (
                    Path: cells[0].Trim('`'),
                    Status: int.Parse(status.Value, CultureInfo.InvariantCulture),
                    RetryAfter: retryAfter.Success ? retryAfter.Groups[1].Value : null,
                    Error: cells[3] == "none" ? null : cells[3].Trim('`'));
            })
            .ToList();
        Assert.True(rows.Count >= 12, $"The README's scenario table has {rows.Count} rows; did its shape change?");
        return rows;
    }

    [GeneratedRegex(@"^\d{3}")]
    private static partial Regex Status();

    [GeneratedRegex(@"`Retry-After: (\d+)`")]
    private static partial Regex RetryAfter();

    /// <summary>The playground started as its README says: Development, from its launch profile.</summary>
    [Fact]
    public async Task Truncated_NamesItsUpstream_ThoughTheBodyBrokeAfterTheHandler()
    {
        using var response = await sample.App.GetAsync("/demo/truncated", "application/json");

        await sample.App.AssertStatusAsync(502, response);
        Assert.Equal("Truncating demo upstream", (await ProblemAsync(response)).GetProperty("upstream").GetString());
    }

    [Fact]
    public async Task BreakAndFixButtons_GoBackToTheHomePage_AndCurlGetsText()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = sample.App.Address };
        foreach (var action in (string[])["/stale/break", "/stale/fix"])
        {
            // What a browser's form post sends.
            using var form = new HttpRequestMessage(HttpMethod.Post, action);
            form.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
            using var redirected = await client.SendAsync(form);
            Assert.Equal(System.Net.HttpStatusCode.Redirect, redirected.StatusCode);
            Assert.Equal("/#stale", redirected.Headers.Location?.OriginalString);

            using var text = await client.PostAsync(action, null);
            Assert.Equal(System.Net.HttpStatusCode.OK, text.StatusCode);
            Assert.StartsWith("text/plain", text.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        }
    }

    public sealed class Sample : SampleFixture
    {
        internal override Task<SampleApp> StartAsync() => SampleApp.StartAsync("OutagePlayground");
    }
}

/// <summary>samples/OutagePlayground with <c>GatewayErrors__ExposeDetails=false</c>: what production visitors get.</summary>
public sealed class OutagePlaygroundHiddenDetailsSampleTests(OutagePlaygroundHiddenDetailsSampleTests.Sample sample) : IClassFixture<OutagePlaygroundHiddenDetailsSampleTests.Sample>
{
    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("text/html")]
    public async Task ExposeDetailsFalse_Refused_NamesNoHopAndNoException(string? accept)
    {
        using var response = await sample.App.GetAsync("/demo/refused", accept);
        var body = await response.Content.ReadAsStringAsync();

        await sample.App.AssertStatusAsync(502, response);
        Assert.Equal("connection_refused", ProxyStatusError(response));
        Assert.Null(ProxyStatus(response)["next-hop"]);
        Assert.Null(ProxyStatus(response)["details"]);
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection refused", body, StringComparison.Ordinal);
    }

    public sealed class Sample : SampleFixture
    {
        internal override Task<SampleApp> StartAsync()
            => SampleApp.StartAsync("OutagePlayground", new Dictionary<string, string?> { ["GatewayErrors__ExposeDetails"] = "false" });
    }
}
