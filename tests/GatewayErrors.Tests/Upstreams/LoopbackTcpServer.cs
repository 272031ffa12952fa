using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// A raw TCP listener on 127.0.0.1 with an OS-chosen port that hands every accepted socket to a handler: the common
/// part of the fixtures that misbehave below HTTP. Disposing stops accepting, cancels the handlers' token and waits
/// for them, so no handler outlives its test.
/// </summary>
internal sealed class LoopbackTcpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<Socket, CancellationToken, Task> _handle;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentBag<Task> _handlers = [];
    private readonly Task _acceptLoop;
    private int _connectionCount;

    private LoopbackTcpServer(TcpListener listener, Func<Socket, CancellationToken, Task> handle)
    {
        _listener = listener;
        _handle = handle;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Connections accepted so far.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <param name="handle">Serves one connection; it owns the socket and must dispose it.</param>
    public static LoopbackTcpServer Start(Func<Socket, CancellationToken, Task> handle)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new LoopbackTcpServer(listener, handle);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_handlers);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        await Task.Yield();
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connectionCount);
            _handlers.Add(_handle(socket, token));
        }
    }
}
