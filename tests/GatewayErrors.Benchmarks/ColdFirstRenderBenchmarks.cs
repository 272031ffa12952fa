using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
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
    [Params("built-in", "custom")]
    public string Template { get; set; } = "built-in";

    [Params("en", "ar")]
    public string Language { get; set; } = "en";

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build()).AddLogging();
        if (Template == "custom")
        {
            services.AddGatewayErrors(static o =>
            {
                o.Templates["layout"] = "<!DOCTYPE html><html lang=\"{{ lang }}\" dir=\"{{ dir }}\"><head>{{ include 'gw-head' }}</head><body>"
                    + "<header class=brand><strong>{{ site_name }}</strong></header><main>{{ body }}</main></body></html>";
                o.Templates["error"] = "<h1>{{ title }}</h1><p>{{ summary }}</p>{{ include 'gw-hops' }}{{ include 'gw-actions' }}"
                    + "{{ include 'gw-retry' }}{{ include 'gw-reference' }}";
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
        var type = ErrorTaxonomy.Get(GatewayErrorType.ConnectionRefused);
        _error = new ErrorResponse
        {
            StatusCode = 502,
            ReasonPhrase = ReasonPhrases.GetReasonPhrase(502),
            Type = type,
            UpstreamDisplayName = "catalog",
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            Timestamp = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero),
            Method = "GET",
            Path = "/products/42",
            Texts = _renderer.TextsFor(visitor),
        };
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
