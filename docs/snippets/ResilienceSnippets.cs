namespace DocSnippets;

/// <summary>docs/resilience.md.</summary>
internal static class ResilienceSnippets
{
    // docs/resilience.md, the opening example.
    public static void QuickStart(WebApplicationBuilder builder, WebApplication app)
    {
        #region snippet: resilience-quick-start
        builder.Services.AddGatewayErrors();
        builder.Services.AddHttpClient("catalog", c => c.BaseAddress = new("http://catalog:8080"))
            .AddGatewayErrorsHandler()   // classifies each failure at the source
            .AddGatewayResilience();     // timeouts, retry, circuit breaker

        app.UseGatewayErrors();
        app.MapGet("/products", (IHttpClientFactory f) => f.CreateClient("catalog").GetStringAsync("/products"))
            .WithGatewayUpstreams("catalog");   // answered 503 before it runs while the circuit is open
        #endregion
    }
}
