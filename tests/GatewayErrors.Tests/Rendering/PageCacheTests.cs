using System.Buffers;
using System.Text;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// Pages served from the cache must be exactly what rendering the template for that request produces: the cache is
/// an optimisation, never a different page.
/// </summary>
public sealed class PageCacheTests
{
    public static TheoryData<string> Themes() => new() { "Default", "Minimal", "Console" };

    [Theory]
    [MemberData(nameof(Themes))]
    public async Task CachedPage_IsIdenticalToAFreshRender(string theme)
    {
        await using var host = await PageHost.StartAsync(o => o.Theme = theme);
        var renderer = host.Renderer;
        var seed = Environment.TickCount;
        var random = new Random(seed);

        foreach (var type in Enum.GetValues<GatewayErrorType>())
        {
            foreach (var retry in new TimeSpan?[] { null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(42), TimeSpan.FromMinutes(7) })
            {
                // The first write fills the cache; the next ones are served from it with other per-request values.
                for (var i = 0; i < 3; i++)
                {
                    var error = Response(type, retry, random);
                    var written = new ArrayBufferWriter<byte>();
                    renderer.Write(written, error);

                    Assert.True(
                        renderer.Render(error) == Encoding.UTF8.GetString(written.WrittenSpan),
                        $"theme {theme}, {type}, retry {retry}, path {error.Path}, seed {seed}: the cached page differs from a fresh render");
                }
            }
        }
    }

    [Fact]
    public void SplitThatDoesNotReproduceThePage_IsNotCached()
    {
        var error = Response(GatewayErrorType.ConnectionRefused, null, new Random(1));
        var withSentinels = "<p>" + RequestField.All.Single(f => f.Name == "trace_id").Sentinel + "</p>";

        // As if a template had upper-cased the trace id: printing the stand-in back would give the wrong page.
        var encoded = PageEncoder.Encode(error.TraceId);
        Assert.Null(CachedPage.TryCreate(withSentinels, "<p>" + encoded.ToUpperInvariant() + "</p>", error, English, "Try again.", 30));
        Assert.NotNull(CachedPage.TryCreate(withSentinels, "<p>" + encoded + "</p>", error, English, "Try again.", 30));
    }

    private static readonly PageTexts English = PageTexts.Create("en", null);

    private static ErrorResponse Response(GatewayErrorType type, TimeSpan? retry, Random random)
    {
        string[] paths = ["/", "/catalog/items", "/a%20b/<script>alert(1)</script>", "/caf\u00e9/\u2603/\"'&", "//double//slash/", "/bad\ud800surrogate", "/" + new string('x', 300)];
        var info = ErrorTaxonomy.Get(type);
        return new ErrorResponse
        {
            StatusCode = info.RecommendedStatus,
            ReasonPhrase = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(info.RecommendedStatus),
            Type = info,
            UpstreamDisplayName = "Catalog <b>&</b> \"service\"",
            TraceId = Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64())) + "<&>",
            Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.Next(0, 100_000_000)),
            Method = random.Next(3) switch { 0 => "GET", 1 => "POST", _ => "GE\"T" },
            Path = paths[random.Next(paths.Length)],
            RetryAfter = retry,
        };
    }
}
