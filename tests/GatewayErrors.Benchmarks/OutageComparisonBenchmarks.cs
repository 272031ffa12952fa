using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using GatewayErrors.Benchmarks.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Benchmarks;

/// <summary>
/// Target 3 in miniature: a refused upstream answered by GatewayErrors versus the same app using ASP.NET Core's own
/// <c>UseExceptionHandler()</c> + <c>AddProblemDetails()</c>, both asked for JSON, with logging off and on.
/// </summary>
/// <remarks>
/// Each request runs inside an <see cref="Activity"/>, as under Kestrel: the hosting layer starts one per request
/// whenever logging is enabled, and both middlewares read or tag it. The ASP.NET Core variant has no GatewayErrors
/// handler on its client, as an app without GatewayErrors would not.
/// </remarks>
[MemoryDiagnoser]
[ExceptionDiagnoser]
public class OutageComparisonBenchmarks
{
    private readonly DefaultHttpContext _context = new();
    private ServiceProvider _gatewayServices = null!;
    private ServiceProvider _aspNetServices = null!;
    private RequestDelegate _gatewayErrors = null!;
    private RequestDelegate _exceptionHandler = null!;

    [Params(LoggingMode.Off, LoggingMode.Formatted)]
    public LoggingMode Logging { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var gateway = Pipelines.CreateServices(Logging).AddGatewayErrors(static o => o.ProxyName = "gateway");
        FailingUpstream.Register(gateway, FailureShape.ConnectionRefused, withGatewayErrorsHandler: true);
        _gatewayServices = gateway.BuildServiceProvider();
        var gatewayUpstream = await FailingUpstream.CreateAsync(_gatewayServices, FailureShape.ConnectionRefused);
        _gatewayErrors = Pipelines.Build(_gatewayServices, static app => app.UseGatewayErrors(), c => gatewayUpstream.CallAsync(c.RequestAborted));

        var aspNet = Pipelines.CreateServices(Logging).AddProblemDetails();
        FailingUpstream.Register(aspNet, FailureShape.ConnectionRefused, withGatewayErrorsHandler: false);
        _aspNetServices = aspNet.BuildServiceProvider();
        var aspNetUpstream = await FailingUpstream.CreateAsync(_aspNetServices, FailureShape.ConnectionRefused);
        _exceptionHandler = Pipelines.Build(_aspNetServices, static app => app.UseExceptionHandler(), c => aspNetUpstream.CallAsync(c.RequestAborted));

        _context.Request.Method = HttpMethods.Get;
        _context.Request.Path = "/orders";
        _context.Request.Headers.Accept = "application/json";
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gatewayServices.Dispose();
        _aspNetServices.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task AspNetCoreExceptionHandler() => InActivityAsync(_exceptionHandler);

    [Benchmark]
    public Task GatewayErrors() => InActivityAsync(_gatewayErrors);

    private async Task InActivityAsync(RequestDelegate pipeline)
    {
        using var activity = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();
        _context.Response.StatusCode = StatusCodes.Status200OK;
        await pipeline(_context);
    }
}
