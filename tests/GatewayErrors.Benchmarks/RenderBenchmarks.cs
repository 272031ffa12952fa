using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Benchmarks;

/// <summary>
/// Target 4 (rendering): each body kind for one failure, written into a reused buffer, so the numbers are the
/// renderer's own cost. The Scriban render per request (what the page cache replaces) is the baseline. The
/// Japanese page is the same failure for <c>Accept-Language: ja</c>: a localized page from the cache, in multi-byte UTF-8.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RenderBenchmarks
{
    private const string HtmlCategory = "Html";
    private const string OtherCategory = "ProblemJsonAndText";

    private static readonly JsonWriterOptions JsonOptions = new() { Indented = false };

    private readonly ArrayBufferWriter<byte> _buffer = new(32 * 1024);
    private ServiceProvider _builtIn = null!;
    private ServiceProvider _custom = null!;
    private ErrorPageRenderer _builtInRenderer = null!;
    private ErrorPageRenderer _customRenderer = null!;
    private ErrorResponse _error = null!;
    private ErrorResponse _japanese = null!;
    private Utf8JsonWriter _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        _builtIn = Services(null);
        _custom = Services(o => o.Templates["502"] = "<!DOCTYPE html><html lang=\"{{ lang }}\" dir=\"{{ dir }}\"><head><title>{{ status_code }} {{ title }}</title></head>"
            + "<body><main><h1>{{ title }}</h1><p>{{ summary }}</p><p>{{ retry_text }}</p><p>Reference {{ trace_id }} at {{ timestamp_utc }}</p>"
            + "<ol>{{ for advice in visitor_advice }}<li>{{ advice }}</li>{{ end }}</ol>{{ include 'gw-reference' }}</main></body></html>");
        _builtInRenderer = _builtIn.GetRequiredService<ErrorPageRenderer>();
        _customRenderer = _custom.GetRequiredService<ErrorPageRenderer>();
        _builtInRenderer.Initialize();
        _customRenderer.Initialize();
        _error = Response(texts: null);
        _json = new Utf8JsonWriter(_buffer, JsonOptions);

        // The language is chosen once per request, as the middleware does; its texts are built on the first ja request.
        var visitor = new DefaultHttpContext();
        visitor.Request.Headers.AcceptLanguage = "ja-JP,ja;q=0.9,en;q=0.5";
        _japanese = Response(_builtInRenderer.TextsFor(visitor));
        if (_japanese.Texts!.Language != "ja")
        {
            throw new InvalidOperationException($"Accept-Language: ja chose {_japanese.Texts.Language}.");
        }

        // Fill the page caches, as the first failed request does.
        BuiltInPage();
        BuiltInPage_Japanese();
        CustomTemplatePage();
    }

    /// <summary>The same failure for every page benchmark; <paramref name="texts"/> <see langword="null"/> is English.</summary>
    private static ErrorResponse Response(PageTexts? texts) => new()
    {
        StatusCode = 502,
        ReasonPhrase = "Bad Gateway",
        Type = ErrorTaxonomy.Get(GatewayErrorType.ConnectionRefused),
        UpstreamDisplayName = "catalog",
        TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
        Timestamp = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero),
        Method = "GET",
        Path = "/products/42",
        Texts = texts,
    };

    [GlobalCleanup]
    public void Cleanup()
    {
        _json.Dispose();
        _builtIn.Dispose();
        _custom.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory(HtmlCategory)]
    public string BuiltInPage_RenderedPerRequest() => _builtInRenderer.Render(_error);

    [Benchmark, BenchmarkCategory(HtmlCategory)]
    public int BuiltInPage()
    {
        _buffer.ResetWrittenCount();
        _builtInRenderer.Write(_buffer, _error);
        return _buffer.WrittenCount;
    }

    [Benchmark, BenchmarkCategory(HtmlCategory)]
    public int BuiltInPage_Japanese()
    {
        _buffer.ResetWrittenCount();
        _builtInRenderer.Write(_buffer, _japanese);
        return _buffer.WrittenCount;
    }

    [Benchmark, BenchmarkCategory(HtmlCategory)]
    public int CustomTemplatePage()
    {
        _buffer.ResetWrittenCount();
        _customRenderer.Write(_buffer, _error);
        return _buffer.WrittenCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory(OtherCategory)]
    public int ProblemJson()
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        ProblemDetailsBody.Write(_json, ProblemDetailsBody.Create(_error));
        _json.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark, BenchmarkCategory(OtherCategory)]
    public int PlainText()
    {
        _buffer.ResetWrittenCount();
        PlainTextBody.Write(_buffer, _error);
        return _buffer.WrittenCount;
    }

    private static ServiceProvider Services(Action<GatewayErrorsOptions>? configure)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging();
        if (configure is null)
        {
            services.AddGatewayErrors();
        }
        else
        {
            services.AddGatewayErrors(configure);
        }

        return services.BuildServiceProvider();
    }
}
