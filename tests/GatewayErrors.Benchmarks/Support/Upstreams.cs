using System.Net;
using System.Net.Sockets;

namespace GatewayErrors.Benchmarks.Support;

/// <summary>An inner handler that answers a cached 200 with an already completed task: the cheapest possible upstream.</summary>
internal sealed class CompletedOkHandler : HttpMessageHandler
{
    private readonly HttpResponseMessage _response = new(HttpStatusCode.OK);
    private readonly Task<HttpResponseMessage> _completed;

    public CompletedOkHandler() => _completed = Task.FromResult(_response);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _completed;

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) => _response;
}

/// <summary>An inner handler that completes asynchronously, as a real connection does: the caller has to await.</summary>
internal sealed class YieldingOkHandler : HttpMessageHandler
{
    private readonly HttpResponseMessage _response = new(HttpStatusCode.OK);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return _response;
    }
}

/// <summary>How the upstream call fails in the failure-path benchmarks.</summary>
public enum FailureShape
{
    /// <summary>SocketsHttpHandler's shape for a refused connect: HRE ConnectionError over SocketException ConnectionRefused (502).</summary>
    ConnectionRefused,

    /// <summary>SocketsHttpHandler's shape for an elapsed ConnectTimeout: TaskCanceledException over TimeoutException (504).</summary>
    ConnectTimeout,

    /// <summary>A Polly.Core circuit breaker that is open: BrokenCircuitException without calling the upstream (503).</summary>
    BrokenCircuit,
}

/// <summary>
/// An inner handler that fails like SocketsHttpHandler does: a new exception per call, thrown (not just created)
/// inside an async method, so the handler above it sees a faulted task with a captured stack trace.
/// </summary>
/// <remarks>
/// The real handler throws and rethrows a few more times inside its connection pool; this is a lower bound.
/// </remarks>
internal sealed class FailingHandler(FailureShape shape) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        try
        {
            throw shape == FailureShape.ConnectTimeout
                ? new TimeoutException("A connection could not be established within the configured ConnectTimeout.")
                : new SocketException((int)SocketError.ConnectionRefused);
        }
        catch (TimeoutException timeout)
        {
            throw new TaskCanceledException("The operation was canceled.", timeout);
        }
        catch (SocketException refused)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (upstream.test:80)", refused);
        }
    }
}
