using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OutagePlayground;

/// <summary>
/// A TCP listener on 127.0.0.1 that reads each HTTP request head and then misbehaves as told: the failures a real
/// HTTP server would never produce on purpose need a socket, not Kestrel.
/// </summary>
internal sealed class RawTcpUpstream : IAsyncDisposable
{
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Socket, CancellationToken, Task> _behaviour;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly Task _acceptLoop;

    private RawTcpUpstream(Func<Socket, CancellationToken, Task> behaviour)
    {
        _behaviour = behaviour;
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri Address { get; }

    public static RawTcpUpstream Start(Func<Socket, CancellationToken, Task> behaviour) => new(behaviour);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_connections.Keys);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var connection = ServeAsync(socket);
            _connections.TryAdd(connection, 0);
            _ = connection.ContinueWith(done => _connections.TryRemove(done, out _), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        // Off the accept loop, so a stalling connection does not hold up the next one.
        await Task.Yield();
        using (socket)
        {
            try
            {
                // Reading the whole request first matters: closing a socket with unread data sends RST, which would
                // turn "closed before answering" into "reset".
                await ReadRequestHeadAsync(socket, _stopping.Token);
                await _behaviour(socket, _stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
            {
                // The client gave up (timeout, size limit) or the app is stopping: closing the socket is all that is left.
            }
        }
    }

    private static async Task ReadRequestHeadAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var matched = 0;
        while (matched < EndOfHead.Length)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return;
            }

            for (var i = 0; i < read && matched < EndOfHead.Length; i++)
            {
                matched = buffer[i] == EndOfHead[matched] ? matched + 1 : buffer[i] == EndOfHead[0] ? 1 : 0;
            }
        }
    }
}
