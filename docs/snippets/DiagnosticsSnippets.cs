namespace DocSnippets;

/// <summary>docs/diagnostics.md.</summary>
internal static class DiagnosticsSnippets
{
    // docs/diagnostics.md, "Health checks".
    public static void HealthChecks(WebApplicationBuilder builder, WebApplication app)
    {
        #region snippet: diagnostics-health-checks
        builder.Services.AddHealthChecks().AddGatewayUpstreams();
        app.MapHealthChecks("/health");
        #endregion
    }

    // docs/diagnostics.md, "Diagnostics endpoint".
    public static void Endpoint(WebApplication app)
    {
        #region snippet: diagnostics-endpoint
        app.MapGatewayErrorsDiagnostics();   // GET /_gateway/upstreams
        #endregion
    }
}
