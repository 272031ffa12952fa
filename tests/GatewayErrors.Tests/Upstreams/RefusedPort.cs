using System.Net;
using System.Net.Sockets;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// A port on 127.0.0.1 where a TCP connect is refused (RST), for <c>connection_refused</c>.
/// </summary>
/// <remarks>
/// The port is held by a socket that is bound but never listens: Linux answers a SYN to it with a
/// RST exactly like a closed port, and no other process can take the port while this instance lives
/// (closing the probe socket right away would leave a small window for the OS to hand the port out).
/// </remarks>
internal sealed class RefusedPort : IAsyncDisposable
{
    private readonly Socket _socket;

    private RefusedPort(Socket socket, int port)
    {
        _socket = socket;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public static Task<RefusedPort> StartAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            return Task.FromResult(new RefusedPort(socket, port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
