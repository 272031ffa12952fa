namespace DocSnippets;

/// <summary>docs/yarp.md.</summary>
internal static class YarpSnippets
{
    // docs/yarp.md, "Setup".
    public static WebApplication Wiring(WebApplicationBuilder builder)
    {
        #region snippet: yarp-wiring
        builder.Services.AddGatewayErrors();
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddGatewayErrors();

        var app = builder.Build();
        app.UseGatewayErrors();
        app.MapReverseProxy();
        #endregion
        return app;
    }
}
