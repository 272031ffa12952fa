using BenchmarkDotNet.Attributes;

namespace GatewayErrors.Benchmarks;

/// <summary>
/// What it would cost every successful request to let a body failure, which happens after the handler returned and
/// reaches the middleware as a bare exception, name its upstream in every case. Two candidate carriers, each as the
/// middleware and the handler would use them on one request, against doing nothing (what GatewayErrors does: it names the
/// upstream from endpoint metadata, on the failure path only). Decided in docs/performance.md.
/// </summary>
[MemoryDiagnoser]
public class BodyNamingBenchmarks
{
    private static readonly AsyncLocal<UpstreamSlot?> Current = new();
    private static readonly object ItemsKey = new();
    private readonly string _upstream = "catalog";

    /// <summary>The middleware's request scope with no carrier: today's success path.</summary>
    [Benchmark(Baseline = true)]
    public string? NoCarrier() => _upstream;

    /// <summary>The middleware puts a mutable slot in an AsyncLocal, the handler writes its upstream into it.</summary>
    [Benchmark]
    public string? AsyncLocalSlot()
    {
        var slot = new UpstreamSlot();
        Current.Value = slot;
        try
        {
            // The handler's side: one AsyncLocal read and a field write per successful call.
            if (Current.Value is { } found)
            {
                found.Upstream = _upstream;
            }

            return slot.Upstream;
        }
        finally
        {
            Current.Value = null;
        }
    }

    /// <summary>The handler stores its upstream in the request's <c>HttpContext.Items</c> (a dictionary made on first use per request).</summary>
    [Benchmark]
    public string? HttpContextItems()
    {
        var items = new Dictionary<object, object?>();
        items[ItemsKey] = _upstream;
        return items[ItemsKey] as string;
    }

    private sealed class UpstreamSlot
    {
        public string? Upstream;
    }
}
