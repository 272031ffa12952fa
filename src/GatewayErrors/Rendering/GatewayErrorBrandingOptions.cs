namespace GatewayErrors;

/// <summary>
/// Branding for the HTML error pages, bound from the <c>GatewayErrors:Branding</c> configuration section and
/// validated when the app starts. Every value is optional; a page without branding says "This site".
/// </summary>
public sealed class GatewayErrorBrandingOptions
{
    /// <summary>Gets or sets the name visitors know this site by, shown in the page header and the hop diagram.</summary>
    /// <value>Defaults to <see langword="null"/>: the page says "This site".</value>
    public string? SiteName { get; set; }

    /// <summary>
    /// Gets or sets the URL of a logo shown in the page header: an absolute <c>https</c>/<c>http</c> URL, a
    /// root-relative path (<c>/img/logo.svg</c>) or a <c>data:image/…</c> URI. Serve it from somewhere that stays up
    /// when the upstream is down, or use a <c>data:</c> URI so the page makes no request at all.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no logo, and the page makes no external request.</value>
    public Uri? LogoUrl { get; set; }

    /// <summary>
    /// Gets or sets the accent colour of the page's decorations (bars and borders, never text, so any colour keeps the
    /// page readable): a CSS hex colour (<c>#0b5fff</c>), <c>rgb()</c>/<c>hsl()</c> or a colour name.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the theme's own accent.</value>
    public string? AccentColor { get; set; }

    /// <summary>Gets or sets a support page linked from "What you can do": an absolute <c>https</c> or <c>http</c> URL.</summary>
    /// <value>Defaults to <see langword="null"/>: no link.</value>
    public Uri? SupportUrl { get; set; }

    /// <summary>Gets or sets a support e-mail address linked (as <c>mailto:</c>) from "What you can do".</summary>
    /// <value>Defaults to <see langword="null"/>: no address.</value>
    public string? SupportEmail { get; set; }

    /// <summary>Gets or sets a status page linked from "What you can do": an absolute <c>https</c> or <c>http</c> URL.</summary>
    /// <value>Defaults to <see langword="null"/>: no link.</value>
    public Uri? StatusPageUrl { get; set; }
}
