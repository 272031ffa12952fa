using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using GatewayErrors.Benchmarks.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Benchmarks;

/// <summary>
/// The first error body in a fresh process, after the app's start-up (the renderer compiled and checked the templates,
/// as <c>ErrorPageStartupCheck</c> does before the first request): each launch is a new process, and the one measured
/// invocation includes the JIT of everything the body needs. The baseline is the first problem+json body in a fresh
/// process, what an API client's first failure costs.
/// </summary>
/// <remarks>Out of process by design: run it without <c>--inProcess</c>.</remarks>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.ColdStart, launchCount: 10, warmupCount: 0, iterationCount: 1, invocationCount: 1)]
public class ColdFirstRenderBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private ServiceProvider _services = null!;
    private ErrorPageRenderer _renderer = null!;
    private ErrorResponse _error = null!;

    /// <summary>The built-in theme, or a custom layout and page that include the built-in pieces.</summary>
    [Params(PageRenderers.BuiltIn, PageRenderers.Custom)]
    public string Template { get; set; } = PageRenderers.BuiltIn;

    [Params("en", "ar")]
    public string Language { get; set; } = "en";

    [GlobalSetup]
    public void Setup()
    {
        _services = PageRenderers.Start(Template, out _renderer);
        _error = PageRenderers.Failure(GatewayErrorType.ConnectionRefused, "catalog", PageRenderers.Texts(_renderer, Language));
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public int FirstProblemJson()
    {
        using var json = new Utf8JsonWriter(_buffer);
        ProblemDetailsBody.Write(json, ProblemDetailsBody.Create(_error));
        json.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public int FirstPage()
    {
        _renderer.Write(_buffer, _error);
        return _buffer.WrittenCount;
    }
}
