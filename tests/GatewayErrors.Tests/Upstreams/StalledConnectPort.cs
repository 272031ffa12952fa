using System.Net;
using System.Net.Sockets;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// A port on 127.0.0.1 where a TCP connect hangs (no SYN-ACK), so <c>SocketsHttpHandler.ConnectTimeout</c>
/// elapses for real: <c>connection_timeout</c> without DNS tricks or unroutable addresses.
/// </summary>
/// <remarks>
/// The listener has a backlog of 0 and never accepts. Linux queues backlog + 1 = 1 connection, which
/// <see cref="StartAsync"/> fills itself; with the accept queue full the kernel drops further SYNs
/// instead of refusing them, so the client keeps retransmitting until its own deadline.
/// </remarks>
internal sealed class StalledConnectPort : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Socket _filler;

    private StalledConnectPort(Socket listener, Socket filler, int port)
    {
        _listener = listener;
        _filler = filler;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public static async Task<StalledConnectPort> StartAsync()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(0);
            var endPoint = (IPEndPoint)listener.LocalEndPoint!;
            await filler.ConnectAsync(endPoint);
            return new StalledConnectPort(listener, filler, endPoint.Port);
        }
        catch
        {
            filler.Dispose();
            listener.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        _filler.Dispose();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
