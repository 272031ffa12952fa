using GatewayErrors;
using Microsoft.Extensions.Options;
using OutagePlayground;

var builder = WebApplication.CreateBuilder(args);

// Options come from the "GatewayErrors" section of appsettings.json: display names, which upstream treats its 503
// as a failure, which one is limited to one call in flight.
builder.Services.AddGatewayErrors();

// The home page's switches (PlaygroundSwitches.cs): theme and Production view through a configuration source of the
// playground's own, reloaded on each switch; the language through request localization, which GatewayErrors follows.
var switches = new PlaygroundSwitches();
((IConfigurationBuilder)builder.Configuration).Add(switches);
builder.Services.AddSingleton(switches);
builder.Services.AddRequestLocalization(PlaygroundSwitches.ConfigureLocalization);

// The misbehaving upstreams start with the host; the clients read their OS-chosen ports when they are created.
builder.Services.AddSingleton<DemoUpstreams>();
builder.Services.AddHostedService(static provider => provider.GetRequiredService<DemoUpstreams>());

// One client per failure. The client name is the upstream name GatewayErrors reports and looks up in options.
builder.Services.AddHttpClient("healthy", PointAt(static u => u.Kestrel)).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("refused", PointAt(static u => u.Refused)).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("reset", PointAt(static u => u.Reset)).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("closed", PointAt(static u => u.Closed)).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("garbage", PointAt(static u => u.Garbage)).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("truncated", PointAt(static u => u.Truncated)).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("huge-headers", PointAt(static u => u.HugeHeaders)).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("unavailable", PointAt(static u => u.Kestrel)).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("limit", PointAt(static u => u.Kestrel)).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("slow", PointAt(static u => u.Kestrel, timeout: TimeSpan.FromSeconds(2))).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("stall", PointAt(static u => u.Stall)).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("dns", static client => client.BaseAddress = DemoUpstreams.Unresolvable).AddGatewayErrorsHandler();
builder.Services.AddHttpClient("inventory", PointAt(static u => u.Kestrel)).AddGatewayErrorsHandler();

var app = builder.Build();

// The visitor's language (cookie, ?culture=, Accept-Language) is chosen before anything can fail.
app.UseRequestLocalization();

// Next, so every failure thrown by the endpoints below reaches it.
app.UseGatewayErrors();

app.MapGet("/", static (HttpRequest request, IOptionsMonitor<GatewayErrorsOptions> options)
    => Results.Content(HomePage.Render(request, options.CurrentValue), "text/html; charset=utf-8"));
app.MapPost("/switches", static async (HttpRequest request, PlaygroundSwitches switches) =>
{
    var form = request.HasFormContentType ? await request.ReadFormAsync() : FormCollection.Empty;
    if (switches.Apply(form, request.HttpContext.Response) is { } problem)
    {
        return Results.Text(problem + "\n", statusCode: StatusCodes.Status400BadRequest);
    }

    return BackHomeOr(request, "Switched. The next error page uses it.\n", "/#switches");
});

// No try/catch anywhere below: the exceptions escape on purpose. The CancellationToken is the request's, so a
// visitor who gives up is not reported as an upstream failure.
var demo = app.MapGroup("/demo");
demo.MapGet("/healthy", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("healthy").GetStringAsync("/", aborted));
demo.MapGet("/refused", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("refused").GetStringAsync("/", aborted));
demo.MapGet("/reset", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("reset").GetStringAsync("/", aborted));
demo.MapGet("/closed", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("closed").GetStringAsync("/", aborted));
demo.MapGet("/garbage", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("garbage").GetStringAsync("/", aborted));
// The body breaks after the handler has returned the headers, so only the endpoint can say which upstream it was.
demo.MapGet("/truncated", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("truncated").GetStringAsync("/", aborted))
    .WithGatewayUpstreams("truncated");
demo.MapGet("/huge-headers", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("huge-headers").GetStringAsync("/", aborted));
demo.MapGet("/unavailable", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("unavailable").GetStringAsync("/unavailable", aborted));
demo.MapGet("/slow", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("slow").GetStringAsync("/slow", aborted));
demo.MapGet("/dns", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("dns").GetStringAsync("/", aborted));

demo.MapGet("/limit", static async (IHttpClientFactory clients, CancellationToken aborted) =>
{
    // MaxConcurrentRequests is 1: the first call holds the only slot for a second, so the second is not sent and
    // fails at once with connection_limit_reached.
    var client = clients.CreateClient("limit");
    var first = client.GetStringAsync("/busy", aborted);
    var second = client.GetStringAsync("/busy", aborted);
    var bodies = await Task.WhenAll(first, second);
    return bodies[0];
});

demo.MapGet("/stall", static async (IHttpClientFactory clients, CancellationToken aborted) =>
{
    // The app's own deadline rather than HttpClient.Timeout: GatewayErrors still reports a timeout, because the
    // request itself was not aborted.
    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
    deadline.CancelAfter(TimeSpan.FromSeconds(3));
    return await clients.CreateClient("stall").GetStringAsync("/", deadline.Token);
});

// Stale-if-error: /stale/inventory keeps its last good answer and serves it while the upstream is broken. Break and
// fix the upstream with POST /stale/break and POST /stale/fix (buttons on the home page).
var stale = app.MapGroup("/stale");
stale.MapGet("/inventory", static (IHttpClientFactory clients, CancellationToken aborted) => clients.CreateClient("inventory").GetStringAsync("/inventory", aborted))
    .WithStaleIfError(TimeSpan.FromMinutes(10));
stale.MapPost("/break", static (HttpRequest request, DemoUpstreams upstreams) => Switch(request, upstreams, broken: true));
stale.MapPost("/fix", static (HttpRequest request, DemoUpstreams upstreams) => Switch(request, upstreams, broken: false));

app.Run();

static IResult Switch(HttpRequest request, DemoUpstreams upstreams, bool broken)
{
    upstreams.InventoryBroken = broken;
    return BackHomeOr(request, broken
        ? "The inventory upstream now answers 503: /stale/inventory serves its last good answer.\n"
        : "The inventory upstream answers 200 again: /stale/inventory is fresh again.\n", "/#stale");
}

// The home page's buttons go back to where they were, not to a plain text page; curl gets the text.
static IResult BackHomeOr(HttpRequest request, string text, string home)
    => request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
        ? Results.LocalRedirect(home)
        : Results.Text(text);

static Action<IServiceProvider, HttpClient> PointAt(Func<DemoUpstreams, Uri> address, TimeSpan? timeout = null)
    => (provider, client) =>
    {
        client.BaseAddress = address(provider.GetRequiredService<DemoUpstreams>());
        if (timeout is { } limit)
        {
            client.Timeout = limit;
        }
    };
