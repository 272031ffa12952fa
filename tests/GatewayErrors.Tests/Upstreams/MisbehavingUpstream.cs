using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// A raw TCP "HTTP server" on 127.0.0.1 that fails in one chosen <see cref="MisbehaviorMode"/> on
/// every connection. Responses always carry <c>Connection: close</c>, so every request opens a new
/// connection and <see cref="ConnectionCount"/> counts requests that reached the upstream.
/// </summary>
internal sealed class MisbehavingUpstream : IAsyncDisposable
{
    public const int DeclaredBodyLength = 1000;
    public const int SentBodyLength = 100;
    public const int HugeHeaderLength = 100 * 1024;

    private static readonly int MaxRequestHeadLength = 1024 * 1024;
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    private readonly MisbehaviorMode _mode;
    private readonly int _statusCode;
    private readonly TaskCompletionSource _requestReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LoopbackTcpServer _server;
    private int _requestCount;

    private MisbehavingUpstream(MisbehaviorMode mode, int statusCode)
    {
        _mode = mode;
        _statusCode = statusCode;
        _server = LoopbackTcpServer.Start(HandleAsync);
        BaseAddress = new Uri($"http://127.0.0.1:{Port}/");
    }

    public MisbehaviorMode Mode => _mode;

    public int Port => _server.Port;

    public Uri BaseAddress { get; }

    /// <summary>Connections accepted so far; 0 proves the upstream was not contacted.</summary>
    public int ConnectionCount => _server.ConnectionCount;

    /// <summary>Request heads read so far (always 0 for <see cref="MisbehaviorMode.ResetOnConnect"/>).</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Completes when the first request head has been read: await it instead of sleeping.</summary>
    public Task RequestReceived => _requestReceived.Task;

    /// <param name="mode">How to misbehave.</param>
    /// <param name="statusCode">The status sent by <see cref="MisbehaviorMode.ServerError"/> (503 adds <c>Retry-After: 7</c>).</param>
    public static Task<MisbehavingUpstream> StartAsync(MisbehaviorMode mode, int statusCode = 503)
        => Task.FromResult(new MisbehavingUpstream(mode, statusCode));

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(Socket socket, CancellationToken token)
    {
        await Task.Yield();
        try
        {
            if (_mode == MisbehaviorMode.ResetOnConnect)
            {
                Reset(socket);
                return;
            }

            if (!await ReadRequestHeadAsync(socket, token))
            {
                return;
            }

            Interlocked.Increment(ref _requestCount);
            _requestReceived.TrySetResult();

            switch (_mode)
            {
                case MisbehaviorMode.ResetAfterRequest:
                    Reset(socket);
                    return;
                case MisbehaviorMode.CloseAfterRequest:
                    break;
                case MisbehaviorMode.Garbage:
                    await socket.SendAsync(GarbageBytes(), token);
                    break;
                case MisbehaviorMode.StallBeforeHeaders:
                    await Task.Delay(Timeout.Infinite, token);
                    break;
                case MisbehaviorMode.TruncatedBody:
                    await socket.SendAsync(PartialBodyResponse(), token);
                    break;
                case MisbehaviorMode.StallMidBody:
                    await socket.SendAsync(PartialBodyResponse(), token);
                    await Task.Delay(Timeout.Infinite, token);
                    break;
                case MisbehaviorMode.HugeHeader:
                    await socket.SendAsync(HugeHeaderResponse(), token);
                    break;
                case MisbehaviorMode.ServerError:
                    await socket.SendAsync(SimpleResponse(_statusCode), token);
                    break;
                case MisbehaviorMode.Ok:
                    await socket.SendAsync(SimpleResponse(200), token);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown mode {_mode}.");
            }

            await CloseGracefullyAsync(socket, token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // The client gave up (or we are disposing): misbehaving is the point, nothing to report.
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>Reads up to and including CRLFCRLF; false if the client closed first.</summary>
    internal static async Task<bool> ReadRequestHeadAsync(Socket socket, CancellationToken token)
    {
        var buffer = new byte[4096];
        var matched = 0;
        var total = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, token);
            if (read == 0)
            {
                return false;
            }

            for (var i = 0; i < read; i++)
            {
                matched = buffer[i] == EndOfHead[matched] ? matched + 1 : (buffer[i] == (byte)'\r' ? 1 : 0);
                if (matched == EndOfHead.Length)
                {
                    return true;
                }
            }

            total += read;
            if (total > MaxRequestHeadLength)
            {
                return true;
            }
        }
    }

    /// <summary>Linger 0 makes close send RST instead of FIN.</summary>
    internal static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>
    /// FIN, then wait for the client's FIN: closing with unread client bytes would make Linux send RST
    /// and turn a clean close into a reset.
    /// </summary>
    internal static async Task CloseGracefullyAsync(Socket socket, CancellationToken token)
    {
        socket.Shutdown(SocketShutdown.Send);
        var buffer = new byte[4096];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None, token) > 0)
        {
        }
    }

    private static byte[] GarbageBytes()
    {
        var banner = "SSH-2.0-OpenSSH_9.6\r\n"u8;
        var bytes = new byte[banner.Length + 256];
        banner.CopyTo(bytes);
        new Random(42).NextBytes(bytes.AsSpan(banner.Length));
        return bytes;
    }

    private static byte[] PartialBodyResponse()
    {
        var head = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {DeclaredBodyLength}\r\nConnection: close\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. Enumerable.Repeat((byte)'x', SentBodyLength)];
    }

    private static byte[] HugeHeaderResponse()
    {
        var head = new StringBuilder("HTTP/1.1 200 OK\r\nX-Huge: ")
            .Append('a', HugeHeaderLength)
            .Append("\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        return Encoding.ASCII.GetBytes(head.ToString());
    }

    private static byte[] SimpleResponse(int statusCode)
    {
        var body = statusCode == 200 ? "ok" : $"upstream says {statusCode}";
        var retryAfter = statusCode == 503 ? "Retry-After: 7\r\n" : string.Empty;
        var reason = statusCode switch
        {
            200 => "OK",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            _ => "Status",
        };
        var response = $"HTTP/1.1 {statusCode} {reason}\r\n{retryAfter}Content-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        return Encoding.ASCII.GetBytes(response);
    }
}
