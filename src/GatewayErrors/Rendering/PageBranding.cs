namespace GatewayErrors;

/// <summary>The per-configuration part of the page model, resolved and HTML-encoded once per options instance.</summary>
internal sealed class PageBranding
{
    public required string Theme { get; init; }

    /// <summary>The configured site name, encoded; <see langword="null"/> when unset (the page says "This site" in its language).</summary>
    public string? SiteName { get; init; }

    public string? LogoUrl { get; init; }

    public string? AccentColor { get; init; }

    public string? SupportUrl { get; init; }

    public string? SupportEmail { get; init; }

    public string? SupportMailto { get; init; }

    public string? StatusPageUrl { get; init; }

    public required bool ShowTroubleshooting { get; init; }

    /// <summary>Resolves the branding; options are assumed valid (see <see cref="ErrorPageOptionsValidator"/>).</summary>
    public static PageBranding From(GatewayErrorsOptions options)
    {
        var email = string.IsNullOrWhiteSpace(options.Branding.SupportEmail) ? null : options.Branding.SupportEmail.Trim();
        return new PageBranding
        {
            Theme = BuiltInTemplates.NormalizeTheme(options.Theme) ?? BuiltInTemplates.ThemeNames[0],
            SiteName = string.IsNullOrWhiteSpace(options.Branding.SiteName) ? null : ErrorPageModel.Encode(options.Branding.SiteName.Trim()),
            LogoUrl = UrlOrNull(options.Branding.LogoUrl),
            AccentColor = string.IsNullOrWhiteSpace(options.Branding.AccentColor) ? null : options.Branding.AccentColor.Trim(),
            SupportUrl = UrlOrNull(options.Branding.SupportUrl),
            SupportEmail = email is null ? null : ErrorPageModel.Encode(email),
            SupportMailto = email is null ? null : ErrorPageModel.Encode("mailto:" + email),
            StatusPageUrl = UrlOrNull(options.Branding.StatusPageUrl),

            // Troubleshooting names hosts and causes: by default only where details may be exposed (Development).
            ShowTroubleshooting = options.ShowTroubleshooting ?? options.ExposeDetails == true,
        };
    }

    // OriginalString: on Unix a root-relative "/logo.svg" parses as an absolute file: URI, which is not what was configured.
    private static string? UrlOrNull(Uri? url) => url is null ? null : ErrorPageModel.Encode(url.OriginalString.Trim());
}
