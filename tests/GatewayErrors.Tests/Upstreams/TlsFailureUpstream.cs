using System.Net;
using System.Net.Sockets;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// A raw TCP server that reads the TLS ClientHello record and breaks the handshake per
/// <see cref="TlsFailureMode"/>: a TLS <em>protocol</em> failure, with no certificate involved, so
/// it surfaces differently from <see cref="UntrustedTlsUpstream"/>. Use an https:// address.
/// </summary>
internal sealed class TlsFailureUpstream : IAsyncDisposable
{
    // ContentType alert (21), legacy version TLS 1.2, length 2, level fatal (2), handshake_failure (40).
    private static readonly byte[] HandshakeFailureAlert = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];

    private static readonly byte[] PlainHttp400 =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request"u8.ToArray();

    private readonly TlsFailureMode _mode;
    private readonly LoopbackTcpServer _server;
    private readonly TaskCompletionSource _clientHello = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TlsFailureUpstream(TlsFailureMode mode)
    {
        _mode = mode;
        _server = LoopbackTcpServer.Start(HandleAsync);
        BaseAddress = new Uri($"https://127.0.0.1:{Port}/");
    }

    public int Port => _server.Port;

    /// <summary>An https:// address (the server only speaks broken TLS).</summary>
    public Uri BaseAddress { get; }

    public int ConnectionCount => _server.ConnectionCount;

    /// <summary>Completes when the first ClientHello has been read: the client is in the TLS handshake.</summary>
    public Task ClientHelloReceived => _clientHello.Task;

    public static Task<TlsFailureUpstream> StartAsync(TlsFailureMode mode) => Task.FromResult(new TlsFailureUpstream(mode));

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(Socket socket, CancellationToken token)
    {
        await Task.Yield();
        try
        {
            if (!await ReadTlsRecordAsync(socket, token))
            {
                return;
            }

            _clientHello.TrySetResult();

            switch (_mode)
            {
                case TlsFailureMode.HandshakeFailureAlert:
                    await socket.SendAsync(HandshakeFailureAlert, token);
                    break;
                case TlsFailureMode.PlainHttpReply:
                    await socket.SendAsync(PlainHttp400, token);
                    break;
                case TlsFailureMode.CloseAfterClientHello:
                    break;
                case TlsFailureMode.StallAfterClientHello:
                    await Task.Delay(Timeout.Infinite, token);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown mode {_mode}.");
            }

            await MisbehavingUpstream.CloseGracefullyAsync(socket, token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>Reads one TLS record (the ClientHello): 5-byte header, then the declared length.</summary>
    private static async Task<bool> ReadTlsRecordAsync(Socket socket, CancellationToken token)
    {
        var header = new byte[5];
        if (!await ReadExactlyAsync(socket, header, token))
        {
            return false;
        }

        var length = (header[3] << 8) | header[4];
        return await ReadExactlyAsync(socket, new byte[length], token);
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken token)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, token);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
        }

        return true;
    }
}
