using GatewayErrors;
using LoadApp;
using Polly;

// One app for every load scenario, on 127.0.0.1 only. --variant picks how failures are answered:
//   gatewayerrors (default): AddGatewayErrors + UseGatewayErrors on /ge/*; /plain/* has no GatewayErrors at all.
//   aspnet: ASP.NET Core's own UseExceptionHandler + AddProblemDetails on /eh/*, no GatewayErrors anywhere.
// Separate processes, so AddProblemDetails does not change how GatewayErrors writes JSON in the first variant.
// Content root = the output folder, so appsettings.json (and its log levels) apply whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var variant = builder.Configuration["variant"] ?? "gatewayerrors";
var aspNet = variant switch
{
    "gatewayerrors" => false,
    "aspnet" => true,
    _ => throw new ArgumentException($"Unknown --variant '{variant}': use gatewayerrors or aspnet."),
};

var upstreams = await LocalUpstreams.StartAsync();
builder.Services.AddSingleton(upstreams);
builder.Services.AddSingleton(OpenCircuit.Create());

// The same clients with and without the GatewayErrors handler; everything else about them is identical.
builder.Services.AddHttpClient("upstream-plain", c => c.BaseAddress = upstreams.Ok);
builder.Services.AddHttpClient("refused-plain", c => c.BaseAddress = upstreams.Refused);
if (aspNet)
{
    builder.Services.AddProblemDetails();
}
else
{
    // run.sh keeps /ge/stale's copy with one success (the default asks for two).
    builder.Services.AddGatewayErrors(static o => o.StaleIfError.MinUses = 1);
    builder.Services.AddHttpClient("upstream", c => c.BaseAddress = upstreams.Ok).AddGatewayErrorsHandler();
    builder.Services.AddHttpClient("refused", c => c.BaseAddress = upstreams.Refused).AddGatewayErrorsHandler();

    // Microsoft.Extensions.Http.Resilience's standard handler on a refusing upstream, with a breaker that opens after
    // two failures and stays open for the whole run: the "outage, circuit open" scenario as an app with
    // AddGatewayErrorsHandler().AddStandardResilienceHandler() runs it, and nothing else from GatewayErrors.
    builder.Services.AddHttpClient("outage", c => c.BaseAddress = upstreams.Refused)
        .AddGatewayErrorsHandler()
        .AddStandardResilienceHandler(static o =>
        {
            o.Retry.ShouldHandle = static _ => ValueTask.FromResult(false);
            o.CircuitBreaker.FailureRatio = 0.5;
            o.CircuitBreaker.MinimumThroughput = 2;
            o.CircuitBreaker.BreakDuration = TimeSpan.FromHours(12);
        });
}

var app = builder.Build();

if (aspNet)
{
    app.UseWhen(static c => c.Request.Path.StartsWithSegments("/eh"), static b => b.UseExceptionHandler());
}
else
{
    app.UseWhen(static c => c.Request.Path.StartsWithSegments("/ge"), static b => b.UseGatewayErrors());
}

// The ceiling: a static 200 with a body about the size of the plain-text error page (~300 bytes).
var staticBody = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 7)) + "\n";
app.MapGet("/static", () => staticBody);

// Proxied success, without and with GatewayErrors (client handler + middleware).
app.MapGet("/plain/proxy", static (IHttpClientFactory clients, CancellationToken aborted)
    => clients.CreateClient("upstream-plain").GetStringAsync("/", aborted));
app.MapGet("/ge/proxy", static (IHttpClientFactory clients, CancellationToken aborted)
    => clients.CreateClient("upstream").GetStringAsync("/", aborted));

// Every request reaches a refusing upstream; the exception escapes to whoever answers failures.
app.MapGet("/ge/refused", static (IHttpClientFactory clients, CancellationToken aborted)
    => clients.CreateClient("refused").GetStringAsync("/", aborted));
app.MapGet("/eh/refused", static (IHttpClientFactory clients, CancellationToken aborted)
    => clients.CreateClient("refused-plain").GetStringAsync("/", aborted));

// Outage with the circuit open: the upstream is never called, Polly throws BrokenCircuitException.
app.MapGet("/ge/circuit", static async (ResiliencePipeline circuit, IHttpClientFactory clients, CancellationToken aborted)
    => await circuit.ExecuteAsync(
        static (client, token) => new ValueTask<string>(client.GetStringAsync("/", token)),
        clients.CreateClient("upstream"),
        aborted));

// The same outage through the standard handler: the route names its upstream, so with the circuit open the
// middleware answers 503 before the endpoint runs, without an exception.
app.MapGet("/ge/outage", static (IHttpClientFactory clients, CancellationToken aborted)
    => clients.CreateClient("outage").GetStringAsync("/", aborted))
    .WithGatewayUpstreams("outage");

// Stale-if-error (docs/stale-if-error.md): the same proxied success opted in, and an opted-in route whose upstream
// run.sh breaks (POST /ge/stale/break) after one success, so wrk measures stale hits from memory during an outage.
app.MapGet("/ge/proxy-stale", static (IHttpClientFactory clients, CancellationToken aborted)
    => clients.CreateClient("upstream").GetStringAsync("/", aborted))
    .WithStaleIfError(TimeSpan.FromHours(1));
var staleBroken = false;
app.MapGet("/ge/stale", (IHttpClientFactory clients, CancellationToken aborted)
    => clients.CreateClient(Volatile.Read(ref staleBroken) ? "refused" : "upstream").GetStringAsync("/", aborted))
    .WithStaleIfError(TimeSpan.FromHours(1));
app.MapPost("/ge/stale/break", () => Volatile.Write(ref staleBroken, true));

if (!aspNet)
{
    // Open the circuit the way it opens in production: by failing calls.
    var outageClient = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("outage");
    for (var i = 0; i < 2; i++)
    {
        try
        {
            await outageClient.GetStringAsync("/");
        }
        catch (HttpRequestException)
        {
        }
    }
}

await app.RunAsync();
await upstreams.DisposeAsync();
