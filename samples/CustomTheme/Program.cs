using GatewayErrors;

var builder = WebApplication.CreateBuilder(args);

// Theme, branding and the templates folder come from appsettings.json (GatewayErrors:Theme, GatewayErrors:TemplatesPath, GatewayErrors:Branding).
builder.Services.AddGatewayErrors();

// Nothing listens on port 1 of this machine: calls to "catalog" are refused, which GatewayErrors answers with a 502.
builder.Services.AddHttpClient("catalog", client => client.BaseAddress = new Uri("http://127.0.0.1:1/"))
    .AddGatewayErrorsHandler();

var app = builder.Build();
app.UseGatewayErrors();

app.MapGet("/", () => Results.Content(
    """
    <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>CustomTheme sample</title></head><body><main>
    <h1>CustomTheme sample</h1>
    <ul>
    <li><a href="/products">/products</a>: the upstream refuses the connection, a 502 rendered by <code>templates/502.sbn-html</code> inside <code>templates/layout.sbn-html</code></li>
    <li><a href="/maintenance">/maintenance</a>: a 503 with Retry-After; no 503 template, so the layout wraps the built-in content</li>
    <li><a href="/checkout/pay">/checkout/pay</a>: the same refused upstream, answered by the page set <code>templates/checkout/</code> (<code>WithGatewayErrorPage("checkout")</code>)</li>
    </ul>
    <p>Edit a file in <code>templates/</code> and reload: the change shows without a restart.</p>
    <p>In Development, <a href="/_gateway/error-pages">/_gateway/error-pages</a> previews every page (each error type, theme,
    language and method) through these templates, without breaking anything.</p>
    </main></body></html>
    """,
    "text/html"));

app.MapGet("/products", async (IHttpClientFactory clients, CancellationToken cancellationToken) =>
    await clients.CreateClient("catalog").GetStringAsync(new Uri("/products", UriKind.Relative), cancellationToken));

// The checkout's errors come from its own page set, templates/checkout/, then the site's templates, then the built-in page.
app.MapGet("/checkout/pay", async (IHttpClientFactory clients, CancellationToken cancellationToken) =>
    await clients.CreateClient("catalog").GetStringAsync(new Uri("/payments", UriKind.Relative), cancellationToken))
    .WithGatewayErrorPage("checkout");

// App code can answer with a gateway error on purpose, for example during planned maintenance.
app.MapGet("/maintenance", () =>
{
    throw new UpstreamFailureException(new UpstreamFailure("catalog", GatewayErrorType.DestinationUnavailable)
    {
        RetryAfter = TimeSpan.FromMinutes(5),
    });
});

// Every error page with sample values, through the templates above: answers in Development only (404 elsewhere unless
// GatewayErrors:Diagnostics:EnableEndpoint is true).
app.MapGatewayErrorsPreview();

app.Run();
