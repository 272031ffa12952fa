// What a user of GatewayErrors writes, published with Native AOT (see AotConsumer.csproj and docs/aot.md).
var builder = WebApplication.CreateSlimBuilder(args);
var catalogUrl = builder.Configuration["CatalogUrl"] ?? "http://catalog:8080/";
var inventoryUrl = builder.Configuration["InventoryUrl"] ?? "http://inventory:8080/";

builder.Services.AddGatewayErrors();  // the "GatewayErrors" section, bound by generated code
builder.Services.AddHttpClient("catalog", c => c.BaseAddress = new Uri(catalogUrl))
    .AddGatewayErrorsHandler("catalog")
    .AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);  // retries at once: the test waits for none
builder.Services.AddHttpClient("inventory", c => c.BaseAddress = new Uri(inventoryUrl))
    .AddGatewayErrorsHandler("inventory");
builder.Services.AddHealthChecks().AddGatewayUpstreams();

var app = builder.Build();
app.UseGatewayErrors();
app.MapGatewayErrorsDiagnostics();
app.MapHealthChecks("/health");

app.MapGet("/products", (IHttpClientFactory http) => http.CreateClient("catalog").GetStringAsync("products"))
    .WithGatewayUpstreams("catalog")
    .WithStaleIfError(TimeSpan.FromMinutes(5));
app.MapGet("/stock", (IHttpClientFactory http) => http.CreateClient("inventory").GetStringAsync("stock"));
app.Run();
