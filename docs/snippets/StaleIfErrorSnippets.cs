namespace DocSnippets;

/// <summary>docs/stale-if-error.md.</summary>
internal static class StaleIfErrorSnippets
{
    // docs/stale-if-error.md, the opening example.
    public static void QuickStart(WebApplicationBuilder builder, WebApplication app)
    {
        #region snippet: stale-if-error-quick-start
        builder.Services.AddGatewayErrors();
        builder.Services.AddHttpClient("catalog", c => c.BaseAddress = new("http://catalog:8080"))
            .AddGatewayErrorsHandler();

        app.UseGatewayErrors();
        app.MapGet("/products", (IHttpClientFactory f) => f.CreateClient("catalog").GetStringAsync("/products"))
            .WithStaleIfError(TimeSpan.FromHours(1));   // when catalog fails, serve the last good answer up to an hour old
        #endregion
    }

    // docs/stale-if-error.md, "Sharing copies through Redis". The app registers the distributed cache; nothing else changes.
    public static void Redis(WebApplicationBuilder builder)
    {
        #region snippet: stale-if-error-redis
        builder.Services.AddStackExchangeRedisCache(o =>
        {
            o.Configuration = builder.Configuration.GetConnectionString("redis");
            o.InstanceName = "shop:";
        });
        builder.Services.AddGatewayErrors();
        #endregion
    }
}
