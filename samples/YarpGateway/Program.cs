using YarpGateway;

// The demo's own upstreams, on ports the OS picks: "shop" answers, "inventory" refuses every connection.
await using var upstreams = await DemoUpstreams.StartAsync();

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddInMemoryCollection(upstreams.DestinationAddresses());  // ReverseProxy:Clusters:*:Destinations

builder.Services.AddGatewayErrors();
builder.Services.AddReverseProxy()
    .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
    .AddGatewayErrors();                                                          // YARP's forwarder errors, answered

var app = builder.Build();
app.UseGatewayErrors();
app.MapReverseProxy();
app.Run();
