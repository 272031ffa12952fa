using System.Net;
using System.Net.Sockets;

namespace GatewayErrors.Yarp;

/// <summary>
/// Connects to a destination given by IP address (no name to look up) with no exception of its own: a refused connect
/// is thrown once, by the socket, as without a connect callback.
/// </summary>
/// <remarks>
/// The core's connector exists for the name lookup; for an address it would only add awaits, and every await of a
/// failed connect rethrows. During an outage YARP logs each failure with its stack trace, and each extra rethrow showed
/// in the load run: a refused cluster answered at about half the rate of YARP alone (docs/performance.md).
/// </remarks>
internal static class AddressConnector
{
    public static ValueTask<Stream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Task connecting;
        try
        {
            connecting = socket.ConnectAsync(endPoint, cancellationToken).AsTask();
        }
        catch (Exception exception)
        {
            socket.Dispose();
            return ValueTask.FromException<Stream>(exception);
        }

        if (connecting.IsCompletedSuccessfully)
        {
            return new ValueTask<Stream>(new NetworkStream(socket, ownsSocket: true));
        }

        // A new connection only (pooled ones never get here): the continuation's allocation is next to a TCP handshake.
        return new ValueTask<Stream>(connecting.ContinueWith(
            static (task, state) =>
            {
                var (socket, token) = ((Socket, CancellationToken))state!;
                if (task.IsCompletedSuccessfully)
                {
                    return Task.FromResult<Stream>(new NetworkStream(socket, ownsSocket: true));
                }

                socket.Dispose();

                // Cancelled with the callback's own token: SocketsHttpHandler reports that token's cancellation as its
                // ConnectTimeout, so the token must be the same one.
                return task.IsCanceled && token.IsCancellationRequested
                    ? Task.FromCanceled<Stream>(token)
                    : Task.FromException<Stream>(task.Exception?.InnerException ?? new OperationCanceledException(token));
            },
            (socket, cancellationToken),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Unwrap());
    }
}
