using System.Net;
using System.Net.Sockets;
using GatewayErrors;

// The sample starts its own upstreams on 127.0.0.1 so it runs anywhere:
//   catalog   flaps: 20 s answering 200, then 20 s answering 500, and so on;
//   inventory refuses connections (a port that was bound, then released).
var catalog = await FlappingUpstream.StartAsync(TimeSpan.FromSeconds(20));
var inventory = RefusingAddress();

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["GatewayErrors:Upstreams:catalog:DisplayName"] = "Catalog service",
    ["GatewayErrors:Upstreams:catalog:TreatServerErrorsAsFailures"] = "true",
    ["GatewayErrors:Upstreams:inventory:DisplayName"] = "Inventory service",
});

// What the console shows during an outage is set in appsettings.json ("Logging"): GatewayErrors' own entries (one per
// upstream and error type, then summaries, and each circuit change), not Polly's per-attempt events nor
// IHttpClientFactory's per-attempt stack traces, which repeat the same facts once per failed call.

// The wiring most apps already have: AddGatewayErrorsHandler() first, then Microsoft.Extensions.Http.Resilience's
// standard handler. Nothing else from GatewayErrors: fail-fast, health, diagnostics and maintenance follow from it.
// Small numbers so a circuit opens within seconds of its upstream starting to fail.
builder.Services.AddGatewayErrors();
builder.Services.AddHttpClient("catalog", c => c.BaseAddress = catalog.BaseAddress)
    .AddGatewayErrorsHandler()
    .AddStandardResilienceHandler(o =>
    {
        o.Retry.Delay = TimeSpan.FromMilliseconds(200);
        o.CircuitBreaker.MinimumThroughput = 5;
        o.CircuitBreaker.FailureRatio = 0.5;
        o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(10);
    });
builder.Services.AddHttpClient("inventory", c => c.BaseAddress = inventory)
    .AddGatewayErrorsHandler()
    .AddStandardResilienceHandler(o =>
    {
        o.Retry.MaxRetryAttempts = 1;
        o.Retry.Delay = TimeSpan.FromMilliseconds(200);
        o.CircuitBreaker.MinimumThroughput = 4;
        o.CircuitBreaker.FailureRatio = 0.5;
    });
builder.Services.AddHealthChecks().AddGatewayUpstreams();

var app = builder.Build();
app.UseGatewayErrors();

// WithGatewayUpstreams: while the catalog circuit is open, this route is answered 503 before it runs.
app.MapGet("/products", async (IHttpClientFactory clients, CancellationToken cancellationToken) =>
    await clients.CreateClient("catalog").GetStringAsync("/products", cancellationToken))
    .WithGatewayUpstreams("catalog");

app.MapGet("/stock", async (IHttpClientFactory clients, CancellationToken cancellationToken) =>
    await clients.CreateClient("inventory").GetStringAsync("/stock", cancellationToken))
    .WithGatewayUpstreams("inventory");

// Maintenance switch for this instance: isolate the catalog (503 without Retry-After) and bring it back. For every
// instance at once, set GatewayErrors:Upstreams:catalog:Maintenance:Enabled in shared configuration instead (here:
// appsettings.json, which reloads when saved).
app.MapPost("/maintenance/catalog", async (IGatewayUpstreamCircuits circuits) =>
{
    await circuits.IsolateAsync("catalog");
    return Results.Text("catalog isolated\n");
});
app.MapDelete("/maintenance/catalog", async (IGatewayUpstreamCircuits circuits) =>
{
    await circuits.CloseAsync("catalog");
    return Results.Text("catalog closed\n");
});

app.MapHealthChecks("/health");
app.MapGatewayErrorsDiagnostics();

app.Lifetime.ApplicationStopped.Register(() => catalog.Dispose());
app.Run();

static Uri RefusingAddress()
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return new Uri($"http://127.0.0.1:{port}/");
}

/// <summary>A tiny upstream that alternates between healthy and failing periods.</summary>
internal sealed class FlappingUpstream : IDisposable
{
    private readonly WebApplication _app;

    private FlappingUpstream(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<FlappingUpstream> StartAsync(TimeSpan period)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var started = DateTime.UtcNow;
        app.Run(context =>
        {
            var failing = (int)((DateTime.UtcNow - started) / period) % 2 == 1;
            context.Response.StatusCode = failing ? 500 : 200;
            return context.Response.WriteAsync(failing ? "catalog is failing\n" : "[\"teapot\",\"kettle\"]\n");
        });
        await app.StartAsync();
        return new FlappingUpstream(app, new Uri(app.Urls.First()));
    }

    public void Dispose() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
