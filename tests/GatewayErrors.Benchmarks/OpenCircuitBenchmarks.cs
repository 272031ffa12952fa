using BenchmarkDotNet.Attributes;
using GatewayErrors.Benchmarks.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Benchmarks;

/// <summary>
/// Issue 10's target in miniature: an open circuit of Microsoft.Extensions.Http.Resilience's standard handler on a
/// route marked <c>WithGatewayUpstreams</c>, against a static 200 through the same routing and middleware, in one run.
/// </summary>
/// <remarks>
/// The app is wired exactly as the user wired it (<c>AddGatewayErrorsHandler().AddStandardResilienceHandler()</c>),
/// and the circuit is opened by failing calls. The unmarked route shows what marking saves: the breaker's
/// <c>BrokenCircuitException</c> thrown through the handler, the endpoint and the middleware.
/// </remarks>
[MemoryDiagnoser]
[ExceptionDiagnoser]
public class OpenCircuitBenchmarks
{
    private const string Client = "catalog";

    private static readonly string StaticBody = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 7)) + "\n";

    private readonly DefaultHttpContext _static = new();
    private readonly DefaultHttpContext _marked = new();
    private readonly DefaultHttpContext _unmarked = new();
    private ServiceProvider _services = null!;
    private RequestDelegate _app = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        var services = Pipelines.CreateServices(LoggingMode.Off);
        services.AddRouting();
        services.AddGatewayErrors(static o => o.ProxyName = "gateway");
        services.AddHttpClient(Client, static c => c.BaseAddress = new Uri("http://upstream.test/"))
            .ConfigurePrimaryHttpMessageHandler(static () => new FailingHandler(FailureShape.ConnectionRefused))
            .RemoveAllLoggers()
            .AddGatewayErrorsHandler()
            .AddStandardResilienceHandler(static o =>
            {
                o.Retry.ShouldHandle = static _ => ValueTask.FromResult(false);
                o.CircuitBreaker.FailureRatio = 0.5;
                o.CircuitBreaker.MinimumThroughput = 2;
                o.CircuitBreaker.BreakDuration = TimeSpan.FromHours(12);
            });
        _services = services.BuildServiceProvider();

        var app = new ApplicationBuilder(_services);
        app.UseRouting();
        app.UseGatewayErrors();
        app.UseEndpoints(endpoints =>
        {
            endpoints.MapGet("/static", static () => StaticBody);
            endpoints.MapGet("/products", static (IHttpClientFactory clients, CancellationToken aborted)
                => clients.CreateClient(Client).GetStringAsync("/products", aborted)).WithGatewayUpstreams(Client);
            endpoints.MapGet("/unmarked", static (IHttpClientFactory clients, CancellationToken aborted)
                => clients.CreateClient(Client).GetStringAsync("/products", aborted));
        });
        _app = app.Build();

        // Open the circuit the way it opens in production: by failing calls.
        var client = _services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);
        for (var i = 0; i < 2; i++)
        {
            try
            {
                await client.GetStringAsync("/products");
            }
            catch (HttpRequestException)
            {
            }
        }

        Prepare(_static, "/static");
        Prepare(_marked, "/products");
        Prepare(_unmarked, "/unmarked");
        await Run(_marked);
        if (_marked.Response.StatusCode != StatusCodes.Status503ServiceUnavailable)
        {
            throw new InvalidOperationException($"The circuit did not open: /products answered {_marked.Response.StatusCode}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public Task Static200() => Run(_static);

    [Benchmark]
    public Task OpenCircuit_MarkedRoute() => Run(_marked);

    [Benchmark]
    public Task OpenCircuit_UnmarkedRoute() => Run(_unmarked);

    private static void Prepare(DefaultHttpContext context, string path)
    {
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = path;
        context.Request.Headers.Accept = "text/plain";
    }

    private Task Run(DefaultHttpContext context)
    {
        // Routing sets the endpoint per request; clear what the last run left, as a new request would have.
        context.SetEndpoint(null);
        context.Request.RouteValues.Clear();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.Headers.Clear();
        context.RequestServices = _services;
        return _app(context);
    }
}
