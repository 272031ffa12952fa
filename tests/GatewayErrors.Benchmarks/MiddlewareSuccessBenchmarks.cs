using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using GatewayErrors.Benchmarks.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Benchmarks;

/// <summary>
/// Target 1 (success path costs nothing), middleware side: the same endpoint with and without
/// <c>UseGatewayErrors()</c> in front of it. Allocated bytes must be equal to the baseline's.
/// </summary>
/// <remarks>
/// The context is reused: a successful request changes nothing the next one reads, and a fresh
/// <see cref="DefaultHttpContext"/> per call would bury the difference under its own allocations.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MiddlewareSuccessBenchmarks
{
    private const string SyncCategory = "EndpointCompletesSynchronously";
    private const string AsyncCategory = "EndpointCompletesAsynchronously";

    private readonly DefaultHttpContext _context = new();
    private RequestDelegate _withoutSync = null!;
    private RequestDelegate _withSync = null!;
    private RequestDelegate _withoutAsync = null!;
    private RequestDelegate _withAsync = null!;
    private ServiceProvider _services = null!;

    [GlobalSetup]
    public void Setup()
    {
        _services = Pipelines.CreateServices(LoggingMode.Off).AddGatewayErrors().BuildServiceProvider();
        _withoutSync = Pipelines.Build(_services, null, SyncEndpoint);
        _withSync = Pipelines.Build(_services, static app => app.UseGatewayErrors(), SyncEndpoint);
        _withoutAsync = Pipelines.Build(_services, null, AsyncEndpoint);
        _withAsync = Pipelines.Build(_services, static app => app.UseGatewayErrors(), AsyncEndpoint);
        _context.Request.Method = HttpMethods.Get;
        _context.Request.Path = "/orders";
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(SyncCategory)]
    public Task WithoutGatewayErrors_Sync() => _withoutSync(_context);

    [Benchmark]
    [BenchmarkCategory(SyncCategory)]
    public Task WithGatewayErrors_Sync() => _withSync(_context);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(AsyncCategory)]
    public Task WithoutGatewayErrors_Async() => _withoutAsync(_context);

    [Benchmark]
    [BenchmarkCategory(AsyncCategory)]
    public Task WithGatewayErrors_Async() => _withAsync(_context);

    private static Task SyncEndpoint(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    private static async Task AsyncEndpoint(HttpContext context)
    {
        // Completes on a thread-pool thread, as an endpoint that awaited I/O does: whoever awaits it pays for it.
        await Task.Yield();
        context.Response.StatusCode = StatusCodes.Status200OK;
    }
}
