using System.Net;
using System.Net.Sockets;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// A listener on 127.0.0.1 that never accepts and whose accept queue is already full, so a new connect stalls:
/// Linux drops the SYN of a connection it has no room for and the client keeps retransmitting it. This is the
/// loopback stand-in for a firewall that silently drops packets, for <c>connection_timeout</c>.
/// </summary>
internal sealed class FullBacklogUpstream : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _fillers;

    private FullBacklogUpstream(Socket listener, List<Socket> fillers, int port)
    {
        _listener = listener;
        _fillers = fillers;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }

    public static async Task<FullBacklogUpstream> StartAsync()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();

        // Fill the queue: connects complete until it is full, then the next one hangs. A bounded number of tries
        // with a short deadline each, so a kernel that behaves differently fails the fixture instead of hanging.
        for (var i = 0; i < 8; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await filler.ConnectAsync(endPoint, deadline.Token);
                fillers.Add(filler);
            }
            catch (OperationCanceledException)
            {
                filler.Dispose();
                return new FullBacklogUpstream(listener, fillers, endPoint.Port);
            }
        }

        foreach (var filler in fillers)
        {
            filler.Dispose();
        }

        listener.Dispose();
        throw new InvalidOperationException("The accept queue never filled up; connects to it do not stall on this machine.");
    }

    public ValueTask DisposeAsync()
    {
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
