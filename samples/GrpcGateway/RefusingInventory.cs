using System.Net;
using System.Net.Sockets;

namespace GrpcGateway;

/// <summary>
/// The demo's "inventory" upstream: a port on 127.0.0.1 that refuses every connection, like a stopped service. Bound but
/// never listening, so Linux answers a connect with a reset and no other process can take the port while it is held.
/// </summary>
internal sealed class RefusingInventory : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingInventory()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_socket.LocalEndPoint!).Port}/");
    }

    /// <summary>Gets the address that refuses connections.</summary>
    public Uri Address { get; }

    public void Dispose() => _socket.Dispose();
}
