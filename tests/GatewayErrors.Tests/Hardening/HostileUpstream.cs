using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GatewayErrors.Tests.Upstreams;

namespace GatewayErrors.Tests.Hardening;

/// <summary>How a <see cref="HostileUpstream"/> answers every request.</summary>
public enum HostileMode
{
    /// <summary>A valid status line, then header lines forever.</summary>
    EndlessHeaders,

    /// <summary>A 200 without Content-Length (the body ends when the connection closes), then body bytes forever.</summary>
    EndlessBody,

    /// <summary>A status line and headers that never end, one byte at a time with a pause between bytes.</summary>
    TrickleHeaders,

    /// <summary>Complete headers with a large Content-Length, then the body one byte at a time with a pause between bytes.</summary>
    TrickleBody,
}

/// <summary>
/// A raw TCP upstream on 127.0.0.1 that never finishes its answer (the unbounded counterparts of
/// <see cref="MisbehavingUpstream"/>). It only stops when the client closes the connection, and records when that
/// happened, so a test can prove the gateway released the connection instead of leaving it to drain forever.
/// </summary>
internal sealed class HostileUpstream : IAsyncDisposable
{
    /// <summary>The pause between bytes in the trickle modes: slow, but never long enough to look idle.</summary>
    public static readonly TimeSpan TricklePause = TimeSpan.FromMilliseconds(5);

    private readonly TcpListener _listener;
    private readonly HostileMode _mode;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly TaskCompletionSource _firstClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _acceptLoop = Task.CompletedTask;
    private long _bytesSent;
    private int _connectionCount;
    private int _closedCount;

    private HostileUpstream(TcpListener listener, HostileMode mode)
    {
        _listener = listener;
        _mode = mode;
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
    }

    public Uri BaseAddress { get; }

    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Connections the client closed (a read returned 0, or a send or read failed with a reset).</summary>
    public int ClosedCount => Volatile.Read(ref _closedCount);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Completes when the client has closed its first connection.</summary>
    public Task FirstConnectionClosed => _firstClosed.Task;

    public static HostileUpstream Start(HostileMode mode)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var upstream = new HostileUpstream(listener, mode);
        upstream._acceptLoop = upstream.AcceptLoopAsync();
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_connections).WaitAsync(TimeSpan.FromSeconds(10));
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        await Task.Yield();
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connectionCount);
            _connections.Add(HandleAsync(socket));
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        await Task.Yield();
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var clientClosed = false;
        try
        {
            if (!await MisbehavingUpstream.ReadRequestHeadAsync(socket, connection.Token))
            {
                clientClosed = true;
                return;
            }

            // The client may close at any moment: a read of 0 (FIN) or a reset ends the answer.
            var watch = WatchForCloseAsync(socket, connection);
            try
            {
                await AnswerAsync(socket, connection.Token);
            }
            catch (SocketException)
            {
                // A send failed: the client reset the connection.
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                // The watcher saw the client close.
            }

            clientClosed = !_stopping.IsCancellationRequested;
            await connection.CancelAsync();
            await watch;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            clientClosed = !_stopping.IsCancellationRequested;
        }
        finally
        {
            if (clientClosed)
            {
                Interlocked.Increment(ref _closedCount);
                _firstClosed.TrySetResult();
            }

            socket.Dispose();
        }
    }

    private static async Task WatchForCloseAsync(Socket socket, CancellationTokenSource connection)
    {
        var buffer = new byte[256];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, connection.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await connection.CancelAsync();
    }

    private async Task AnswerAsync(Socket socket, CancellationToken token)
    {
        switch (_mode)
        {
            case HostileMode.EndlessHeaders:
                await SendAsync(socket, "HTTP/1.1 200 OK\r\n"u8.ToArray(), token);
                var line = Encoding.ASCII.GetBytes("X-Endless: " + new string('h', 1000) + "\r\n");
                while (true)
                {
                    await SendAsync(socket, line, token);
                }

            case HostileMode.EndlessBody:
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"u8.ToArray(), token);
                var chunk = new byte[64 * 1024];
                Array.Fill(chunk, (byte)'b');
                while (true)
                {
                    await SendAsync(socket, chunk, token);
                }

            case HostileMode.TrickleHeaders:
                await TrickleAsync(socket, Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nX-Trickle: " + new string('t', 1_000_000)), token);
                return;

            case HostileMode.TrickleBody:
                await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n"u8.ToArray(), token);
                await TrickleAsync(socket, Enumerable.Repeat((byte)'t', 1_000_000).ToArray(), token);
                return;

            default:
                throw new InvalidOperationException($"Unknown mode {_mode}.");
        }
    }

    private async Task TrickleAsync(Socket socket, byte[] bytes, CancellationToken token)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            await SendAsync(socket, bytes.AsMemory(i, 1), token);
            await Task.Delay(TricklePause, token);
        }
    }

    private async Task SendAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken token)
    {
        var sent = await socket.SendAsync(bytes, SocketFlags.None, token);
        Interlocked.Add(ref _bytesSent, sent);
    }
}
