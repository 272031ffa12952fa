using System.Net;
using System.Net.Sockets;

namespace YarpGateway;

/// <summary>
/// The two upstreams behind the demo proxy, inside this process on 127.0.0.1: a healthy Kestrel app for the
/// <c>shop</c> cluster and a port that refuses connections for the <c>inventory</c> cluster. Disposed with the app,
/// so Ctrl+C leaves no listener behind.
/// </summary>
internal sealed class DemoUpstreams : IAsyncDisposable
{
    private readonly WebApplication _shop;
    private readonly Socket _refusing;

    private DemoUpstreams(WebApplication shop, Uri shopAddress, Socket refusing)
    {
        _shop = shop;
        _refusing = refusing;
        Shop = shopAddress;
        Inventory = new Uri($"http://127.0.0.1:{((IPEndPoint)refusing.LocalEndPoint!).Port}/");
    }

    /// <summary>Gets the healthy upstream's address.</summary>
    public Uri Shop { get; }

    /// <summary>Gets the address that refuses connections.</summary>
    public Uri Inventory { get; }

    public static async Task<DemoUpstreams> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var shop = builder.Build();
        shop.MapGet("/{**path}", (string? path) => Results.Text($"The shop answered /{path}\n"));
        await shop.StartAsync();

        // Bound but never listening: Linux answers a connect with a reset, exactly like a stopped service, and no other
        // process can take the port while this socket holds it.
        var refusing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        refusing.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        return new DemoUpstreams(shop, new Uri(shop.Urls.First()), refusing);
    }

    /// <summary>The destination addresses, as configuration keys under <c>ReverseProxy</c> (appsettings.json has the rest).</summary>
    public IEnumerable<KeyValuePair<string, string?>> DestinationAddresses() =>
    [
        new("ReverseProxy:Clusters:shop:Destinations:shop-1:Address", Shop.ToString()),
        new("ReverseProxy:Clusters:inventory:Destinations:inventory-1:Address", Inventory.ToString()),
    ];

    public async ValueTask DisposeAsync()
    {
        _refusing.Dispose();
        await _shop.StopAsync();
        await _shop.DisposeAsync();
    }
}
