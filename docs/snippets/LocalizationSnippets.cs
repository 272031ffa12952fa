namespace DocSnippets;

/// <summary>docs/localization.md.</summary>
internal static class LocalizationSnippets
{
    // docs/localization.md, "Overriding a text, or adding a language".
    public static void AppResources(WebApplicationBuilder builder)
    {
        #region snippet: localization-app-resources
        builder.Services.AddLocalization(options => options.ResourcesPath = "Resources");
        builder.Services.AddGatewayErrors(options => options.Localization.Cultures.Add("nl"));
        #endregion
    }

    // docs/localization.md, "Which language".
    public static void RequestLocalization(WebApplication app)
    {
        #region snippet: localization-request-localization
        app.UseRequestLocalization(options => options.SetDefaultCulture("en").AddSupportedUICultures("en", "de", "fr"));
        app.UseGatewayErrors();
        #endregion
    }
}
