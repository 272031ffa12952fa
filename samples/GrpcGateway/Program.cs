using GrpcGateway;

// The demo's upstream, on a port the OS picks: "inventory" refuses every connection.
using var inventory = new RefusingInventory();

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddGatewayErrors();
builder.Services.AddGrpc().AddGatewayErrors();                                   // upstream failures in service methods
builder.Services.AddHttpClient("inventory", c => c.BaseAddress = inventory.Address)
    .AddGatewayErrorsHandler();

var app = builder.Build();
app.UseGatewayErrors();
app.MapGrpcService<OrdersService>().WithGatewayUpstreams("inventory");           // fail fast while it is in maintenance
app.Run();
