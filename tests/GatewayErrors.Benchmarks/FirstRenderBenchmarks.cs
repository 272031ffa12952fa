using System.Buffers;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Benchmarks;

/// <summary>
/// The first render of each (template, error type, language) in a running app: what the first failed request of that
/// kind pays before its page is served from the page cache. Every invocation writes a page no earlier one wrote (its
/// upstream name is new, and the page cache keys on it), so each one renders, renders again with stand-ins and splits
/// the page into cached pieces. The baseline is one plain Scriban render of the same page (no cache); the cached row is
/// what every later request for that page costs.
/// </summary>
/// <remarks>
/// A fresh renderer per iteration keeps every invocation under the page cache's bound (1024 pages), past which pages are
/// rendered per request and not cached. The language's texts are built in the set-up, as the first request in that
/// language builds them once before its first page.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(Invocations)]
public class FirstRenderBenchmarks
{
    private const int Invocations = 200;

    private static readonly string[] Upstreams = [.. Enumerable.Range(0, Invocations).Select(static i => "catalog-" + i)];

    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private ServiceProvider? _services;
    private ErrorPageRenderer _renderer = null!;
    private PageTexts _texts = null!;
    private ErrorResponse _cached = null!;
    private int _next;

    /// <summary>The built-in theme, or a custom layout and page that include the built-in pieces.</summary>
    [Params("built-in", "custom")]
    public string Template { get; set; } = "built-in";

    [Params(GatewayErrorType.ConnectionRefused, GatewayErrorType.HttpResponseTimeout, GatewayErrorType.DestinationUnavailable)]
    public GatewayErrorType Type { get; set; }

    [Params("en", "ja", "ar")]
    public string Language { get; set; } = "en";

    [IterationSetup]
    public void Setup()
    {
        _services?.Dispose();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build()).AddLogging();
        if (Template == "custom")
        {
            services.AddGatewayErrors(static o =>
            {
                o.Templates["layout"] = "<!DOCTYPE html><html lang=\"{{ lang }}\" dir=\"{{ dir }}\"><head>{{ include 'gw-head' }}</head><body>"
                    + "<header class=brand><strong>{{ site_name }}</strong></header><main>{{ body }}</main>"
                    + "<footer>{{ text.reference_label }} {{ trace_id }}</footer></body></html>";
                o.Templates["error"] = "<h1>{{ title }}</h1><p>{{ summary }}</p>{{ include 'gw-hops' }}{{ include 'gw-notice' }}{{ include 'gw-actions' }}"
                    + "{{ include 'gw-retry' }}{{ include 'gw-owner' }}{{ include 'gw-reference' }}";
            });
        }
        else
        {
            services.AddGatewayErrors();
        }

        _services = services.BuildServiceProvider();
        _renderer = _services.GetRequiredService<ErrorPageRenderer>();
        var errors = _renderer.Initialize();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", errors));
        }

        var visitor = new DefaultHttpContext();
        visitor.Request.Headers.AcceptLanguage = Language;
        _texts = _renderer.TextsFor(visitor);
        if (_texts.Language != Language)
        {
            throw new InvalidOperationException($"Accept-Language: {Language} chose {_texts.Language}.");
        }

        _next = 0;

        // The page every "Cached" invocation serves.
        _cached = Response("catalog");
        _renderer.Write(_buffer, _cached);
    }

    [GlobalCleanup]
    public void Cleanup() => _services?.Dispose();

    [Benchmark(Baseline = true)]
    public string RenderedOnce() => _renderer.Render(Response(Upstreams[_next++ % Invocations]));

    [Benchmark]
    public int FirstWrite()
    {
        _buffer.ResetWrittenCount();
        _renderer.Write(_buffer, Response(Upstreams[_next++]));
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public int Cached()
    {
        _buffer.ResetWrittenCount();
        _renderer.Write(_buffer, _cached);
        return _buffer.WrittenCount;
    }

    private ErrorResponse Response(string upstream)
    {
        var type = ErrorTaxonomy.Get(Type);
        return new()
        {
            StatusCode = type.RecommendedStatus,
            ReasonPhrase = ReasonPhrases.GetReasonPhrase(type.RecommendedStatus),
            Type = type,
            UpstreamDisplayName = upstream,
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            Timestamp = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero),
            Method = "GET",
            Path = "/products/42",
            RetryAfter = Type == GatewayErrorType.DestinationUnavailable ? TimeSpan.FromSeconds(30) : null,
            Texts = _texts,
        };
    }
}
