using System.Net;
using System.Net.Sockets;

namespace LoadApp;

/// <summary>
/// The upstreams the load routes call, all on 127.0.0.1: a Kestrel app that answers 200, and a port that refuses.
/// </summary>
/// <remarks>
/// The healthy upstream runs in this process on purpose: the proxied routes with and without GatewayErrors call the
/// same upstream in the same process, so the only difference between them is GatewayErrors. The refused port is a
/// socket that is bound but never listens: Linux answers its SYN with a RST, and no other process can take it.
/// </remarks>
internal sealed class LocalUpstreams : IAsyncDisposable
{
    private readonly WebApplication _ok;
    private readonly Socket _refused;

    private LocalUpstreams(WebApplication ok, Uri okAddress, Socket refused, Uri refusedAddress)
    {
        _ok = ok;
        _refused = refused;
        Ok = okAddress;
        Refused = refusedAddress;
    }

    public Uri Ok { get; }

    public Uri Refused { get; }

    public static async Task<LocalUpstreams> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(static k => k.Listen(IPAddress.Loopback, 0));
        var ok = builder.Build();
        ok.MapGet("/", static () => "hello from the upstream");
        await ok.StartAsync();
        var okAddress = new Uri(ok.Urls.First());

        var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        refused.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var refusedAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)refused.LocalEndPoint!).Port}/");
        return new LocalUpstreams(ok, okAddress, refused, refusedAddress);
    }

    public async ValueTask DisposeAsync()
    {
        _refused.Dispose();
        await _ok.DisposeAsync();
    }
}
