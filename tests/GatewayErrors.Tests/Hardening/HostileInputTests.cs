using System.Net;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.Extensions.Logging;

namespace GatewayErrors.Tests.Hardening;

/// <summary>
/// Thousands of generated hostile requests (<see cref="HostileRequests"/>) against a refused upstream, through every
/// theme, in Development (details and troubleshooting on) and Production: every answer is a well-formed 502 whose
/// body parses as what its Content-Type says, and nothing from the request comes back as markup, a URL, a JSON
/// structure or a forged line.
/// </summary>
/// <remarks>
/// The seed is <see cref="HostileRequests.DefaultSeed"/> unless <c>GATEWAYERRORS_HARDENING_SEED</c> says otherwise; every
/// failure message starts with it and the request, so <c>GATEWAYERRORS_HARDENING_SEED=n dotnet test --filter ...</c>
/// replays it. The test server passes any header value through (CR, LF, control characters, 20 KB values), which is
/// harsher than a real server; <see cref="KestrelHostileInputTests"/> covers what only bytes on a socket can carry.
/// </remarks>
[Trait("Category", "Hardening")]
public class HostileInputTests
{
    private const int RequestsPerApp = 350;

    public static TheoryData<string, string> Apps()
    {
        var data = new TheoryData<string, string>();
        foreach (var theme in (string[])["Default", "Minimal", "Console"])
        {
            data.Add(theme, "Development");
            data.Add(theme, "Production");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Apps))]
    public async Task GeneratedHostileRequests_AllAnswer502_WithNothingReflectedUnescaped(string theme, string environment)
    {
        // One seed per row, derived from the run's seed, so each row's requests differ but reproduce.
        var seed = HostileRequests.SeedFromEnvironment() + Apps().ToList().FindIndex(r => (string)r[0] == theme && (string)r[1] == environment);
        var generator = new HostileRequests(seed);
        var requests = Enumerable.Range(0, RequestsPerApp).Select(_ => generator.Next()).ToArray();

        await using var refused = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(refused.BaseAddress, s =>
        {
            s.Environment = environment;
            s.Configuration["GatewayErrors:Theme"] = theme;
        });
        var baseline = await Baseline.ReadAsync(app);

        await Parallel.ForEachAsync(Enumerable.Range(0, requests.Length), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var request = requests[i];
            try
            {
                await CheckAsync(app, request, baseline);
            }
            catch (Exception exception)
            {
                throw new Xunit.Sdk.XunitException(
                    $"Seed {seed} (GATEWAYERRORS_HARDENING_SEED={HostileRequests.SeedFromEnvironment()}), {theme}/{environment}, request #{i}: {request}\n{exception}");
            }
        });

        var errors = app.Logs.GetSnapshot().Where(static e => e.Level >= LogLevel.Error).ToArray();
        Assert.True(errors.Length == 0, $"Seed {seed}: logged at Error: " + string.Join(" | ", errors.Take(3).Select(static e => $"{e.Category} {e.Id.Name}: {e.Message} {e.Exception}")));
    }

    private static async Task CheckAsync(GatewayTestApp app, HostileRequest hostile, Baseline baseline)
    {
        // Absolute: on Unix a relative "/proxy/javascript:..." would parse as a file path or a scheme.
        using var request = new HttpRequestMessage(new HttpMethod(hostile.Method), new Uri("http://localhost" + hostile.PathAndQuery));
        foreach (var (name, value) in hostile.Headers)
        {
            Assert.True(request.Headers.TryAddWithoutValidation(name, value), $"could not add {name}");
        }

        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var proxyStatus = ResponseAssertions.ProxyStatus(response);
        Assert.Equal(new Token("connection_refused"), proxyStatus["error"]);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            Assert.DoesNotContain(values, static v => v.Contains(HostileRequests.Marker, StringComparison.OrdinalIgnoreCase));
        }

        var body = await response.Content.ReadAsStringAsync();
        if (hostile.Method == "HEAD")
        {
            Assert.Empty(body);
            return;
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var kind = mediaType switch
        {
            "text/html" => ResponseBodyKind.Html,
            "application/problem+json" => ResponseBodyKind.ProblemJson,
            "text/plain" => ResponseBodyKind.PlainText,
            _ => throw new Xunit.Sdk.XunitException($"Unexpected Content-Type {response.Content.Headers.ContentType}"),
        };
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        if (hostile.ExpectedKind is { } expected)
        {
            Assert.Equal(expected, kind);
        }

        switch (kind)
        {
            case ResponseBodyKind.Html:
                baseline.AssertSameStructure(body, hostile.Method);
                break;
            case ResponseBodyKind.ProblemJson:
                AssertProblem(body);
                break;
            default:
                baseline.AssertSameLines(body);
                break;
        }
    }

    private static void AssertProblem(string body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(502, root.GetProperty("status").GetInt32());
        Assert.Equal("connection_refused", root.GetProperty("errorType").GetString());
        foreach (var member in root.EnumerateObject())
        {
            // Request data may appear only as string values (instance is the path); never as a member or a structure.
            Assert.Contains(member.Name, (string[])["type", "title", "status", "detail", "instance", "traceId", "errorType", "upstream", "timestamp", "nextHop", "retryable"]);
            Assert.True(member.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False, member.Name);
        }

        // The writer escapes markup characters too, so the body stays inert even if something sniffs it as HTML.
        Assert.DoesNotContain('<', body);
        Assert.DoesNotContain('>', body);
    }

    /// <summary>What a benign request gets from the same app: the shape every hostile answer must keep.</summary>
    private sealed class Baseline
    {
        private static readonly HtmlParser Parser = new();

        private Baseline(IReadOnlyList<string> structure, IReadOnlyList<string> notResentStructure, IReadOnlyList<string> lines)
        {
            Structure = structure;
            NotResentStructure = notResentStructure;
            Lines = lines;
        }

        /// <summary>Every element in document order, with its attribute names and the values of its URL attributes.</summary>
        public IReadOnlyList<string> Structure { get; }

        /// <summary>The same for a method other than GET and HEAD, whose page says it does not resend the request instead of counting down.</summary>
        public IReadOnlyList<string> NotResentStructure { get; }

        /// <summary>The plain text body's line labels (what precedes the first ": ").</summary>
        public IReadOnlyList<string> Lines { get; }

        public static async Task<Baseline> ReadAsync(GatewayTestApp app)
        {
            using var html = await app.GetAsync("/proxy/benign?x=1", "text/html");
            using var text = await app.GetAsync("/proxy/benign?x=1", "text/plain");
            using var post = new HttpRequestMessage(HttpMethod.Post, "/proxy/benign?x=1");
            post.Headers.Accept.ParseAdd("text/html");
            using var posted = await app.Client.SendAsync(post);
            return new Baseline(
                StructureOf(await html.Content.ReadAsStringAsync()), StructureOf(await posted.Content.ReadAsStringAsync()), LabelsOf(await text.Content.ReadAsStringAsync()));
        }

        public void AssertSameStructure(string html, string method)
        {
            var structure = StructureOf(html);
            var expected = method is "GET" or "HEAD" ? Structure : NotResentStructure;
            var firstDifference = Enumerable.Range(0, Math.Max(structure.Count, expected.Count))
                .FirstOrDefault(i => i >= structure.Count || i >= expected.Count || structure[i] != expected[i], -1);
            Assert.True(firstDifference < 0,
                $"The page's elements differ from a benign request's at #{firstDifference}: got {structure.ElementAtOrDefault(firstDifference)}, expected {expected.ElementAtOrDefault(firstDifference)}");
        }

        public void AssertSameLines(string text)
        {
            Assert.DoesNotContain('\r', text);
            Assert.False(text.Any(static c => char.IsControl(c) && c != '\n'), "control character in the text body");
            Assert.Equal(Lines, LabelsOf(text));
        }

        private static List<string> StructureOf(string html)
        {
            using var document = Parser.ParseDocument(html);
            return document.All.Select(static e => $"<{e.LocalName} {string.Join(" ", e.Attributes.Select(Describe).Order(StringComparer.Ordinal))}>").ToList();

            static string Describe(IAttr attribute) => attribute.Name is "href" or "src" or "action" or "formaction" or "style"
                ? $"{attribute.Name}={attribute.Value}"
                : attribute.Name;
        }

        private static List<string> LabelsOf(string text)
            => text.TrimEnd('\n').Split('\n').Select(static (line, i) => i < 2 ? $"line {i}" : line.Split(": ", 2)[0]).ToList();
    }
}
