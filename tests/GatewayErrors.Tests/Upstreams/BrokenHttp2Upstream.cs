using System.Net.Sockets;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// A raw TCP server that starts HTTP/2 (h2c, prior knowledge) correctly and then breaks the protocol on purpose: once
/// the client's request HEADERS arrive it answers with a DATA frame on stream 0, which RFC 9113 section 6.1 makes a
/// connection error of type PROTOCOL_ERROR. No HTTP/2 server library will do that, hence raw frames.
/// </summary>
internal sealed class BrokenHttp2Upstream : IAsyncDisposable
{
    private const int FrameHeaderLength = 9;
    private const byte HeadersFrame = 0x1;

    // An empty SETTINGS frame (type 4) on stream 0: the server's connection preface.
    private static readonly byte[] ServerSettings = [0, 0, 0, 0x4, 0, 0, 0, 0, 0];

    // DATA (type 0) with one byte of payload on stream 0: forbidden.
    private static readonly byte[] DataOnStreamZero = [0, 0, 1, 0x0, 0, 0, 0, 0, 0, 0x2a];

    private readonly LoopbackTcpServer _server;

    private BrokenHttp2Upstream()
    {
        _server = LoopbackTcpServer.Start(HandleAsync);
        BaseAddress = new Uri($"http://127.0.0.1:{_server.Port}/");
    }

    public Uri BaseAddress { get; }

    public static Task<BrokenHttp2Upstream> StartAsync() => Task.FromResult(new BrokenHttp2Upstream());

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static async Task HandleAsync(Socket socket, CancellationToken token)
    {
        try
        {
            // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", then frames until the request's HEADERS.
            if (!await ReadExactlyAsync(socket, new byte[24], token))
            {
                return;
            }

            await socket.SendAsync(ServerSettings, token);
            var header = new byte[FrameHeaderLength];
            while (await ReadExactlyAsync(socket, header, token))
            {
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                if (!await ReadExactlyAsync(socket, new byte[length], token))
                {
                    return;
                }

                if (header[3] == HeadersFrame)
                {
                    await socket.SendAsync(DataOnStreamZero, token);
                    await MisbehavingUpstream.CloseGracefullyAsync(socket, token);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            socket.Dispose();
        }
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
