using System.Text;
using BenchmarkDotNet.Attributes;
using GatewayErrors.Benchmarks.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Benchmarks;

/// <summary>The body a client asks for, or none at all.</summary>
public enum Accept
{
    /// <summary>A HEAD request: status and headers only; GatewayErrors renders no body and skips negotiation.</summary>
    Head,

    /// <summary><c>Accept: */*</c> as curl sends it: plain text.</summary>
    Text,

    /// <summary>A browser's <c>Accept</c>: the HTML page.</summary>
    Html,

    /// <summary><c>Accept: application/json</c>: RFC 9457 problem details.</summary>
    ProblemJson,
}

/// <summary>
/// Classification and the full failure path (status, headers, body) for each failure shape and each kind of body,
/// through the public surface: an endpoint calls a client built with <c>AddGatewayErrorsHandler()</c> (or an open
/// Polly circuit) and lets the exception escape to <c>UseGatewayErrors()</c>. Logging is on and formatted.
/// </summary>
/// <remarks>
/// <para>Three ways to answer the same failed call, so the ratios say where the time goes:</para>
/// <list type="bullet">
/// <item><c>HandWritten502</c> (baseline): the endpoint knows the upstream is down and writes a fixed error
/// response without calling it. The floor: what an answer costs when nothing is thrown.</item>
/// <item><c>AppCatches</c>: the endpoint calls the upstream, catches the exception and writes the same fixed answer.
/// The cost of the failed call and its exceptions, GatewayErrors' handler included, middleware excluded.</item>
/// <item><c>GatewayErrors</c>: the exception escapes; the middleware classifies, reports, and renders.</item>
/// </list>
/// <para>Rendering is internal, so its cost is read as the difference between a GET for a body kind and a HEAD.</para>
/// </remarks>
[MemoryDiagnoser]
[ExceptionDiagnoser]
public class FailurePathBenchmarks
{
    private const string HtmlAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
    private static readonly byte[] FixedBody = Encoding.UTF8.GetBytes("502 Bad Gateway: the upstream refused the connection.\n");

    private readonly DefaultHttpContext _context = new();
    private ServiceProvider _services = null!;
    private FailingUpstream _upstream = null!;
    private RequestDelegate _handWritten = null!;
    private RequestDelegate _appCatches = null!;
    private RequestDelegate _gatewayErrors = null!;

    [Params(FailureShape.ConnectionRefused, FailureShape.ConnectTimeout, FailureShape.BrokenCircuit)]
    public FailureShape Shape { get; set; }

    [Params(Accept.Head, Accept.Text, Accept.Html, Accept.ProblemJson)]
    public Accept Accept { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var services = Pipelines.CreateServices(LoggingMode.Formatted).AddGatewayErrors(static o =>
        {
            o.ProxyName = "gateway";
            o.ExposeDetails = false;
        });
        FailingUpstream.Register(services, Shape, withGatewayErrorsHandler: true);
        _services = services.BuildServiceProvider();
        _upstream = await FailingUpstream.CreateAsync(_services, Shape);

        _handWritten = Pipelines.Build(_services, static app => app.UseGatewayErrors(), static context => WriteFixedAnswerAsync(context));
        _appCatches = Pipelines.Build(_services, static app => app.UseGatewayErrors(), CallAndCatchAsync);
        _gatewayErrors = Pipelines.Build(_services, static app => app.UseGatewayErrors(), CallAsync);

        _context.Request.Method = Accept == Accept.Head ? HttpMethods.Head : HttpMethods.Get;
        _context.Request.Path = "/orders";
        _context.Request.Headers.Accept = Accept switch
        {
            Accept.Html => HtmlAccept,
            Accept.ProblemJson => "application/json",
            Accept.Text => "*/*",
            _ => default,
        };

        // Fail loudly here rather than publish numbers for a path that did not produce a gateway error.
        await _gatewayErrors(_context);
        if (_context.Response.StatusCode is not (502 or 503 or 504) || !_context.Response.Headers.ContainsKey("Proxy-Status"))
        {
            throw new InvalidOperationException($"Expected a gateway error, got {_context.Response.StatusCode}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public Task HandWritten502() => _handWritten(_context);

    [Benchmark]
    public Task AppCatches() => _appCatches(_context);

    [Benchmark]
    public Task GatewayErrors() => _gatewayErrors(_context);

    private Task CallAsync(HttpContext context) => _upstream.CallAsync(context.RequestAborted);

    private async Task CallAndCatchAsync(HttpContext context)
    {
        try
        {
            await _upstream.CallAsync(context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            await WriteFixedAnswerAsync(context);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException)
        {
            await WriteFixedAnswerAsync(context);
        }
    }

    private static Task WriteFixedAnswerAsync(HttpContext context)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = StatusCodes.Status502BadGateway;
        response.Headers.CacheControl = "no-store";
        response.Headers["Proxy-Status"] = "gateway;error=connection_refused";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        response.ContentType = "text/plain; charset=utf-8";
        return response.Body.WriteAsync(FixedBody, 0, FixedBody.Length, context.RequestAborted);
    }
}
