using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace GatewayErrors.Yarp.Tests;

/// <summary>
/// The seam is asked on every proxied request: when nothing failed it must not allocate. Counted in bytes on this
/// thread, not timed (the load run in docs/performance.md measures the time).
/// </summary>
public sealed class SuccessPathTests
{
    [Theory]
    [InlineData(200)]
    [InlineData(404)]
    [InlineData(502)]
    public void TryGet_WithoutForwarderError_AllocatesNothing(int status)
    {
        var source = new ForwarderFailureSource(new ClusterConnectors());
        var context = new DefaultHttpContext();
        context.Response.StatusCode = status;

        // Warm up: the first call JITs and fills the feature collection's caches.
        Assert.False(source.TryGet(context, out _));
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            source.TryGet(context, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TryGet_WithForwarderError_ReportsIt()
    {
        // The counterpart, so the test above cannot pass by never looking.
        var context = new DefaultHttpContext();
        context.Features.Set<IForwarderErrorFeature>(new Feature(ForwarderError.NoAvailableDestinations));

        Assert.True(new ForwarderFailureSource(new ClusterConnectors()).TryGet(context, out var reported));
        Assert.Equal(GatewayErrorType.DestinationUnavailable, reported.Failure?.ErrorType);
    }

    private sealed class Feature(ForwarderError error) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception => null;
    }
}
