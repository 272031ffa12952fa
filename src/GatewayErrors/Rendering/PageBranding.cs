using Scriban.Runtime;

namespace GatewayErrors;

/// <summary>The per-configuration part of the page model, resolved once per options instance, as plain strings.</summary>
internal sealed record PageBranding
{
    public required string Theme { get; init; }

    /// <summary>The configured site name; <see langword="null"/> when unset (the page says "This site" in its language).</summary>
    public string? SiteName { get; init; }

    public string? LogoUrl { get; init; }

    public string? AccentColor { get; init; }

    public string? SupportUrl { get; init; }

    public string? SupportEmail { get; init; }

    public string? StatusPageUrl { get; init; }

    public required bool ShowTroubleshooting { get; init; }

    /// <summary>Resolves the branding; options are assumed valid (see <see cref="ErrorPageOptionsValidator"/>).</summary>
    public static PageBranding From(GatewayErrorsOptions options) => new()
    {
        Theme = BuiltInTemplates.NormalizeTheme(options.Theme) ?? BuiltInTemplates.ThemeNames[0],
        SiteName = Trimmed(options.Branding.SiteName),
        LogoUrl = UrlOrNull(options.Branding.LogoUrl),
        AccentColor = Trimmed(options.Branding.AccentColor),
        SupportUrl = UrlOrNull(options.Branding.SupportUrl),
        SupportEmail = Trimmed(options.Branding.SupportEmail),
        StatusPageUrl = UrlOrNull(options.Branding.StatusPageUrl),

        // Troubleshooting names hosts and causes: by default only where details may be exposed (Development).
        ShowTroubleshooting = options.ShowTroubleshooting ?? options.ExposeDetails == true,
    };

    /// <summary>
    /// Adds the branding's variables to a page model: the one place that names them (the model's other variables are
    /// named in <see cref="PageModel"/> and <see cref="RequestField"/>).
    /// </summary>
    public void AddTo(ScriptObject model, string siteName)
    {
        model["theme"] = Theme;
        model["site_name"] = siteName;
        model["logo_url"] = LogoUrl;
        model["accent_color"] = AccentColor;
        model["support_url"] = SupportUrl;
        model["support_email"] = SupportEmail;
        model["support_mailto"] = SupportEmail is null ? null : "mailto:" + SupportEmail;
        model["status_page_url"] = StatusPageUrl;
        model["has_support"] = SupportUrl is not null || SupportEmail is not null;
        model["show_troubleshooting"] = ShowTroubleshooting;
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // OriginalString: on Unix a root-relative "/logo.svg" parses as an absolute file: URI, which is not what was configured.
    private static string? UrlOrNull(Uri? url) => url is null ? null : url.OriginalString.Trim();
}
