using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using GatewayErrors.Benchmarks.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Benchmarks;

/// <summary>
/// Target 1 (success path costs nothing), handler side: an <see cref="HttpMessageInvoker"/> over the GatewayErrors
/// handler and an in-memory inner handler, against the inner handler alone. Allocated bytes must be equal.
/// </summary>
/// <remarks>
/// The handler is internal, so it is taken from the handler chain <c>AddGatewayErrorsHandler()</c> builds through
/// <see cref="IHttpMessageHandlerFactory"/> (factory loggers removed, so the chain is exactly that handler over the
/// inner one). The request message is reused: <see cref="HttpMessageInvoker"/> does not mark it as sent.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class HandlerSuccessBenchmarks
{
    private const string SyncCategory = "InnerCompletesSynchronously";
    private const string AsyncCategory = "InnerCompletesAsynchronously";
    private const string BlockingCategory = "SyncSendApi";

    private readonly HttpRequestMessage _request = new(HttpMethod.Get, "http://upstream.test/orders");
    private ServiceProvider _services = null!;
    private HttpMessageInvoker _innerSync = null!;
    private HttpMessageInvoker _gatewaySync = null!;
    private HttpMessageInvoker _innerAsync = null!;
    private HttpMessageInvoker _gatewayAsync = null!;

    [GlobalSetup]
    public void Setup()
    {
        var completed = new CompletedOkHandler();
        var yielding = new YieldingOkHandler();
        var services = Pipelines.CreateServices(LoggingMode.Off).AddGatewayErrors();
        services.AddHttpClient("sync").AddGatewayErrorsHandler().ConfigurePrimaryHttpMessageHandler(() => completed).RemoveAllLoggers();
        services.AddHttpClient("async").AddGatewayErrorsHandler().ConfigurePrimaryHttpMessageHandler(() => yielding).RemoveAllLoggers();
        _services = services.BuildServiceProvider();

        var factory = _services.GetRequiredService<IHttpMessageHandlerFactory>();
        _innerSync = new HttpMessageInvoker(completed, disposeHandler: false);
        _gatewaySync = new HttpMessageInvoker(FindGatewayHandler(factory.CreateHandler("sync"), completed), disposeHandler: false);
        _innerAsync = new HttpMessageInvoker(yielding, disposeHandler: false);
        _gatewayAsync = new HttpMessageInvoker(FindGatewayHandler(factory.CreateHandler("async"), yielding), disposeHandler: false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _innerSync.Dispose();
        _gatewaySync.Dispose();
        _innerAsync.Dispose();
        _gatewayAsync.Dispose();
        _request.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(SyncCategory)]
    public Task<HttpResponseMessage> InnerOnly_Sync() => _innerSync.SendAsync(_request, CancellationToken.None);

    [Benchmark]
    [BenchmarkCategory(SyncCategory)]
    public Task<HttpResponseMessage> WithGatewayErrors_Sync() => _gatewaySync.SendAsync(_request, CancellationToken.None);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(AsyncCategory)]
    public Task<HttpResponseMessage> InnerOnly_Async() => _innerAsync.SendAsync(_request, CancellationToken.None);

    [Benchmark]
    [BenchmarkCategory(AsyncCategory)]
    public Task<HttpResponseMessage> WithGatewayErrors_Async() => _gatewayAsync.SendAsync(_request, CancellationToken.None);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(BlockingCategory)]
    public HttpResponseMessage InnerOnly_Send() => _innerSync.Send(_request, CancellationToken.None);

    [Benchmark]
    [BenchmarkCategory(BlockingCategory)]
    public HttpResponseMessage WithGatewayErrors_Send() => _gatewaySync.Send(_request, CancellationToken.None);

    /// <summary>Walks the factory's chain down to the GatewayErrors handler and checks nothing else sits in between.</summary>
    private static DelegatingHandler FindGatewayHandler(HttpMessageHandler chain, HttpMessageHandler inner)
    {
        for (var current = chain as DelegatingHandler; current is not null; current = current.InnerHandler as DelegatingHandler)
        {
            if (current.GetType().Name == "GatewayErrorsHandler")
            {
                // AddGatewayErrorsHandler() also adds its gate (UpstreamGateHandler, the pre-call refusal of isolated or
                // maintained upstreams): measure everything it adds, and nothing else.
                for (HttpMessageHandler? below = current; below != inner; below = (below as DelegatingHandler)?.InnerHandler)
                {
                    if (below is not DelegatingHandler handler || handler.GetType().Namespace != "GatewayErrors")
                    {
                        throw new InvalidOperationException($"{below?.GetType().FullName ?? "Nothing"} sits between the GatewayErrors handler and the inner handler.");
                    }
                }

                return current;
            }
        }

        throw new InvalidOperationException("AddGatewayErrorsHandler() did not put a GatewayErrorsHandler in the chain.");
    }
}
