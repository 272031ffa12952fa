using System.Net;
using System.Net.Sockets;

namespace GatewayErrors;

/// <summary>
/// A <see cref="SocketsHttpHandler.ConnectCallback"/> that owns the name lookup with its own deadline, then connects.
/// </summary>
/// <remarks>
/// On Linux, <see cref="SocketsHttpHandler.ConnectTimeout"/> does not interrupt a lookup that hangs: without this,
/// a stuck resolver shows up only when the whole request times out, indistinguishable from a slow upstream. Here the
/// lookup has its own deadline and a missed one is reported as <see cref="NameResolutionTimeoutException"/>, which
/// the classifier turns into <c>dns_timeout</c>. Connecting then works as the runtime's default does: one dual-mode
/// socket trying each resolved address in turn, with Nagle off.
/// </remarks>
internal sealed class UpstreamConnector
{
    private readonly IUpstreamNameResolver _resolver;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _resolveTimeout;

    public UpstreamConnector(IUpstreamNameResolver resolver, TimeProvider timeProvider, TimeSpan resolveTimeout)
    {
        _resolver = resolver;
        _timeProvider = timeProvider;
        _resolveTimeout = resolveTimeout;
    }

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endPoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal)
            ? [literal]
            : await ResolveAsync(endPoint.Host, cancellationToken).ConfigureAwait(false);

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_resolveTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var addresses = await _resolver.ResolveAsync(host, linked.Token).ConfigureAwait(false);
            if (addresses.Length == 0)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }

            return addresses;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new NameResolutionTimeoutException(host, _resolveTimeout);
        }
    }
}
