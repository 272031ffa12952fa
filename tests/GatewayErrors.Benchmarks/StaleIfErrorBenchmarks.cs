using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using GatewayErrors.Benchmarks.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Benchmarks;

/// <summary>
/// Stale-if-error (issue 12): a stale hit from memory during an outage against a static 200; a success on an opted-in
/// route against the same route not opted in; and a route that does not opt in against no middleware at all (0 B).
/// </summary>
/// <remarks>
/// Every variant writes the same 1 KiB body. During the outage the endpoint throws a real
/// <see cref="UpstreamFailureException"/>; the hold-down means it is called once per probe interval, the rest are
/// answered from the copy. Contexts are reused, as in <see cref="MiddlewareSuccessBenchmarks"/>.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class StaleIfErrorBenchmarks
{
    private const string OutageCategory = "StaleHitDuringOutage";
    private const string OptInCategory = "SuccessOptedIn";
    private const string NotOptedInCategory = "RouteNotOptedIn";

    private static readonly byte[] Body = new byte[1024];

    private ServiceProvider _services = null!;
    private RequestDelegate _pipeline = null!;
    private RequestDelegate _bare = null!;
    private DefaultHttpContext _static = null!;
    private DefaultHttpContext _stale = null!;
    private DefaultHttpContext _optedIn = null!;
    private DefaultHttpContext _notOptedIn = null!;
    private bool _broken;

    [GlobalSetup]
    public async Task Setup()
    {
        _services = Pipelines.CreateServices(LoggingMode.Off).AddGatewayErrors(static o =>
        {
            o.ProxyName = "gateway";

            // One success is enough to keep a copy here (the default asks for two).
            o.StaleIfError.MinUses = 1;
        }).BuildServiceProvider();
        _pipeline = Pipelines.Build(_services, static app => app.UseGatewayErrors(), Endpoint);
        _bare = Pipelines.Build(_services, null, Endpoint);
        _static = Context("/static", optIn: false);
        _notOptedIn = Context("/plain", optIn: false);
        _optedIn = Context("/opted-in", optIn: true);
        _stale = Context("/stale", optIn: true);

        // Keep a copy of /stale, then break its upstream: the first failure starts the hold-down.
        await _pipeline(_stale);
        await Task.Delay(200);
        _broken = true;
        await _pipeline(_stale);
        if (_stale.Response.StatusCode != StatusCodes.Status200OK || !_stale.Response.Headers.ContainsKey("Cache-Status"))
        {
            throw new InvalidOperationException($"No stale copy was served (status {_stale.Response.StatusCode}).");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(OutageCategory)]
    public Task Static200() => _pipeline(_static);

    [Benchmark]
    [BenchmarkCategory(OutageCategory)]
    public Task StaleHitFromMemory() => _pipeline(_stale);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(OptInCategory)]
    public Task Success_NotOptedIn() => _pipeline(_notOptedIn);

    [Benchmark]
    [BenchmarkCategory(OptInCategory)]
    public Task Success_OptedIn() => _pipeline(_optedIn);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(NotOptedInCategory)]
    public Task WithoutGatewayErrors() => _bare(_notOptedIn);

    [Benchmark]
    [BenchmarkCategory(NotOptedInCategory)]
    public Task WithGatewayErrors_NotOptedIn() => _pipeline(_notOptedIn);

    private DefaultHttpContext Context(string path, bool optIn)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Method = HttpMethods.Get;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("shop.example");
        context.Request.Path = path;
        var metadata = optIn ? new EndpointMetadataCollection(new StaleIfErrorMetadata(TimeSpan.FromHours(1))) : EndpointMetadataCollection.Empty;
        context.SetEndpoint(new Endpoint(Endpoint, metadata, path));
        return context;
    }

    private Task Endpoint(HttpContext context)
    {
        if (_broken && context.Request.Path == "/stale")
        {
            return Task.FromException(new UpstreamFailureException(new UpstreamFailure("catalog", GatewayErrorType.ConnectionRefused)));
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = Body.Length;
        return context.Response.Body.WriteAsync(Body).AsTask();
    }
}
