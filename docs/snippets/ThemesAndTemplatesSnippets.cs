using Microsoft.Extensions.FileProviders;

namespace DocSnippets;

/// <summary>docs/themes-and-templates.md.</summary>
internal static class ThemesAndTemplatesSnippets
{
    // docs/themes-and-templates.md, "Sources and precedence".
    public static void TemplatesInCode(WebApplicationBuilder builder)
    {
        #region snippet: themes-templates-in-code
        builder.Services.AddGatewayErrors(options =>
        {
            options.Templates["503"] = "<!DOCTYPE html><html lang=\"{{ lang }}\" dir=\"{{ dir }}\"><head>{{ include 'gw-head' }}</head><body><main><h1>Back soon</h1>{{ include 'gw-reference' }}</main></body></html>";
            options.TemplateFileProvider = new EmbeddedFileProvider(typeof(Program).Assembly, "MyApp.ErrorPages");
        });
        #endregion
    }

    // docs/themes-and-templates.md, "Page sets".
    public static void PageSets(WebApplication app, Delegate Pay)
    {
        #region snippet: themes-page-sets
        app.MapPost("/checkout/pay", Pay).WithGatewayErrorPage("checkout");   // one endpoint
        app.MapGroup("/account").WithGatewayErrorPage("account");             // every endpoint of a group
        #endregion
    }

    // docs/themes-and-templates.md, "Content-Security-Policy".
    public static void CspNonce(WebApplicationBuilder builder)
    {
        #region snippet: themes-csp-nonce
        builder.Services.AddGatewayErrors(options => options.CspNonce = context => context.Items["csp-nonce"] as string);
        #endregion
    }

    // docs/themes-and-templates.md, "Preview".
    public static void Preview(WebApplication app)
    {
        #region snippet: themes-preview
        app.MapGatewayErrorsPreview();   // GET /_gateway/error-pages, in Development
        #endregion
    }
}
