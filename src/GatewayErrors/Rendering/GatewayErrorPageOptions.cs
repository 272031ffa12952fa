using Microsoft.Extensions.FileProviders;

namespace GatewayErrors;

/// <summary>
/// How the HTML error page looks: the built-in theme, branding, and custom Handlebars templates. Bound from the
/// <c>GatewayErrors:Pages</c> configuration section and validated when the app starts.
/// </summary>
/// <remarks>
/// Custom templates are looked up by the most specific name first: <c>&lt;error_type&gt;.hbs</c> (for example
/// <c>connection_refused.hbs</c>), then <c>&lt;status&gt;.hbs</c> (for example <c>502.hbs</c>), then <c>error.hbs</c>.
/// When none matches, the built-in <see cref="Theme"/> is used. <c>layout.hbs</c>, when present, wraps every custom
/// page; every other template is available as a partial by its name. Templates are compiled once at start-up, a
/// template that does not compile stops the app from starting, and a template that fails while rendering is replaced
/// by the built-in page for that request.
/// </remarks>
public sealed class GatewayErrorPageOptions
{
    /// <summary>The configuration section the page options are bound from, below <see cref="GatewayErrorsOptions.SectionName"/>.</summary>
    public const string SectionName = "Pages";

    /// <summary>
    /// Gets or sets the built-in theme, compared case-insensitively: <c>Default</c> (a card with a hop diagram, like a
    /// CDN's error page), <c>Minimal</c> (plain type, no decoration) or <c>Console</c> (monospaced, status-board look).
    /// </summary>
    /// <value>Defaults to <c>Default</c>.</value>
    public string Theme { get; set; } = "Default";

    /// <summary>
    /// Gets or sets the folder of custom <c>.hbs</c> templates, relative to the content root (or absolute). Changes to
    /// the files are picked up without a restart.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no template folder. When set, the folder must exist at start-up.</value>
    public string? TemplatesPath { get; set; }

    /// <summary>
    /// Gets or sets a file provider that supplies custom <c>.hbs</c> templates, for example an
    /// <see cref="EmbeddedFileProvider"/> over templates embedded in the app's assembly. Its templates take precedence
    /// over the ones in <see cref="TemplatesPath"/>.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: none. Not bound from configuration.</value>
    public IFileProvider? TemplateFileProvider { get; set; }

    /// <summary>
    /// Gets custom templates given as strings, keyed by template name without the <c>.hbs</c> extension
    /// (<c>502</c>, <c>connection_refused</c>, <c>error</c>, <c>layout</c> or a partial's name). They take precedence
    /// over <see cref="TemplateFileProvider"/> and <see cref="TemplatesPath"/>.
    /// </summary>
    /// <value>Empty by default. Names are compared case-insensitively.</value>
    public IDictionary<string, string> Templates { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

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

    /// <summary>
    /// Gets or sets whether the page shows the "For the site owner" section: the likely causes and the first things to
    /// check for the error type, plus the next hop and the exception message when details may be exposed.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="null"/>: follows <see cref="GatewayErrorsOptions.ExposeDetails"/>, which is true only in
    /// Development unless set. Never shown in Production unless set to <see langword="true"/>.
    /// </value>
    public bool? ShowTroubleshooting { get; set; }
}
