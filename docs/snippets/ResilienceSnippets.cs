using Microsoft.Extensions.Http.Resilience;
using Polly;

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
            .AddGatewayErrorsHandler()        // classifies each failure; first, so it sees the pipeline's outcome
            .AddStandardResilienceHandler();  // Microsoft.Extensions.Http.Resilience: timeouts, retry, circuit breaker

        app.UseGatewayErrors();
        app.MapGet("/products", (IHttpClientFactory f) => f.CreateClient("catalog").GetStringAsync("/products"))
            .WithGatewayUpstreams("catalog");   // answered 503 before it runs while the circuit is open
        #endregion
    }

    // docs/resilience.md, "Which handlers".
    public static void Handlers(IServiceCollection services)
    {
        #region snippet: resilience-handlers
        // Hedging: its circuit breakers are per authority ("<client>-standard-hedging-endpoint").
        services.AddHttpClient("search").AddGatewayErrorsHandler().AddStandardHedgingHandler();

        // A pipeline of your own: any circuit breaker in it is watched.
        services.AddHttpClient("orders").AddGatewayErrorsHandler().AddResilienceHandler("orders-pipeline", pipeline => pipeline
            .AddTimeout(TimeSpan.FromSeconds(5))
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions { BreakDuration = TimeSpan.FromSeconds(15) }));
        #endregion
    }

    // docs/resilience.md, "Migrating from AddGatewayResilience".
    public static void Migration(WebApplicationBuilder builder)
    {
        #region snippet: resilience-migration
        builder.Services.AddHttpClient("catalog")
            .AddGatewayErrorsHandler()
            .AddStandardResilienceHandler(builder.Configuration.GetSection("Resilience:catalog"))
            .Configure(o => o.Retry.DisableForUnsafeHttpMethods());   // AddGatewayResilience never retried POST or PATCH
        #endregion
    }
}
