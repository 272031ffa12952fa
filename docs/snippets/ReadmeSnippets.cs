namespace DocSnippets;

/// <summary>README.md.</summary>
internal static class ReadmeSnippets
{
    // README.md, the quick start: a whole Program.cs. Only the implicit usings of a web project are in scope, as in
    // a fresh `dotnet new web` app.
    public static void QuickStart(string[] args)
    {
        #region snippet: readme-quick-start
        var builder = WebApplication.CreateBuilder(args);
        var catalogUrl = builder.Configuration["CatalogUrl"] ?? "http://catalog:8080/";  // the upstream this app calls

        builder.Services.AddGatewayErrors();                                  // options from the "GatewayErrors" config section
        builder.Services.AddHttpClient("catalog", c => c.BaseAddress = new Uri(catalogUrl))
            .AddGatewayErrorsHandler();                                       // classify failures at the source

        var app = builder.Build();
        app.UseGatewayErrors();                                               // turn them into correct responses

        app.MapGet("/products", (IHttpClientFactory http) => http.CreateClient("catalog").GetStringAsync("products"));
        app.Run();
        #endregion
    }
}
