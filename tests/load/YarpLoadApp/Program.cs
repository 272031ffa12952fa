using System.Net;
using System.Net.Sockets;

// A YARP gateway for the load run, on 127.0.0.1 only. --variant picks what answers forwarder errors:
//   yarp: YARP alone (its empty 502/504).
//   yarp-gatewayerrors: the same proxy with GatewayErrors wired as docs/yarp.md shows.
// Two clusters: "healthy" (a Kestrel upstream in this process, as in LoadApp, so both variants proxy to the same kind
// of upstream in the same kind of process) and "refused" (a bound socket that never listens: every connect is reset).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var withGatewayErrors = (builder.Configuration["variant"] ?? "yarp-gatewayerrors") switch
{
    "yarp" => false,
    "yarp-gatewayerrors" => true,
    var other => throw new ArgumentException($"Unknown --variant '{other}': use yarp or yarp-gatewayerrors."),
};

var upstreamBuilder = WebApplication.CreateSlimBuilder();
upstreamBuilder.Logging.ClearProviders();
upstreamBuilder.WebHost.UseKestrel(static k => k.Listen(IPAddress.Loopback, 0));
await using var upstream = upstreamBuilder.Build();
upstream.MapGet("/", static () => "hello from the upstream");
await upstream.StartAsync();

using var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
refused.Bind(new IPEndPoint(IPAddress.Loopback, 0));

builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ReverseProxy:Routes:healthy:ClusterId"] = "healthy",
    ["ReverseProxy:Routes:healthy:Match:Path"] = "/healthy/{**rest}",
    ["ReverseProxy:Routes:healthy:Transforms:0:PathRemovePrefix"] = "/healthy",
    ["ReverseProxy:Routes:refused:ClusterId"] = "refused",
    ["ReverseProxy:Routes:refused:Match:Path"] = "/refused/{**rest}",
    ["ReverseProxy:Routes:refused:Transforms:0:PathRemovePrefix"] = "/refused",
    ["ReverseProxy:Clusters:healthy:Destinations:d1:Address"] = upstream.Urls.First(),
    ["ReverseProxy:Clusters:refused:Destinations:d1:Address"] = $"http://127.0.0.1:{((IPEndPoint)refused.LocalEndPoint!).Port}/",
});

var proxy = builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
if (withGatewayErrors)
{
    builder.Services.AddGatewayErrors();
    proxy.AddGatewayErrors();
}

var app = builder.Build();
if (withGatewayErrors)
{
    app.UseGatewayErrors();
}

// run.sh waits for this before measuring.
app.MapGet("/static", static () => "ready\n");
app.MapReverseProxy();
await app.RunAsync();
