using System.Buffers;
using BenchmarkDotNet.Attributes;
using GatewayErrors.Benchmarks.Support;
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
    [Params(PageRenderers.BuiltIn, PageRenderers.Custom)]
    public string Template { get; set; } = PageRenderers.BuiltIn;

    [Params(GatewayErrorType.ConnectionRefused, GatewayErrorType.HttpResponseTimeout, GatewayErrorType.DestinationUnavailable)]
    public GatewayErrorType Type { get; set; }

    [Params("en", "ja", "ar")]
    public string Language { get; set; } = "en";

    [IterationSetup]
    public void Setup()
    {
        _services?.Dispose();
        _services = PageRenderers.Start(Template, out _renderer);
        _texts = PageRenderers.Texts(_renderer, Language);
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

    private ErrorResponse Response(string upstream) => PageRenderers.Failure(Type, upstream, _texts);
}
