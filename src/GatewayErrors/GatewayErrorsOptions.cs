using Microsoft.Extensions.FileProviders;

namespace GatewayErrors;

/// <summary>
/// Options for GatewayErrors, bound from the <c>GatewayErrors</c> configuration section by
/// <c>AddGatewayErrors()</c> and validated when the app starts.
/// </summary>
public sealed class GatewayErrorsOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "GatewayErrors";

    /// <summary>What the error path derives from these options, built once on first use (see <see cref="ResolvedOptions"/>).</summary>
    internal ResolvedOptions Resolved => field ??= new ResolvedOptions(this);

    /// <summary>
    /// Gets or sets the name this app uses for itself in the <c>Proxy-Status</c> header (RFC 9209 asks for the name of
    /// the intermediary, such as its service name, not a product name).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the host's application name.</value>
    public string? ProxyName { get; set; }

    /// <summary>
    /// Gets or sets whether responses may show upstream internals: host names, addresses and ports (<c>next-hop</c>),
    /// exception messages (<c>details</c>, problem details <c>detail</c>) and the owner's troubleshooting steps.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="null"/>: shown only when the host environment is Development. Set <see langword="true"/>
    /// to show them elsewhere (for example on an internal network), <see langword="false"/> to hide them everywhere.
    /// </value>
    public bool? ExposeDetails { get; set; }

    /// <summary>
    /// Gets the status codes to answer with instead of the RFC 9209 recommendation, per error type
    /// (configuration key <c>GatewayErrors:StatusCodes:ConnectionRefused</c>, for example).
    /// </summary>
    /// <value>Empty by default. Each value must be a server error status, 500 to 599.</value>
    public IDictionary<GatewayErrorType, int> StatusCodes { get; } = new Dictionary<GatewayErrorType, int>();

    /// <summary>
    /// Gets the per-upstream settings, keyed by the upstream name (the <see cref="HttpClient"/> name by default),
    /// compared case-insensitively. An upstream without an entry uses the defaults of <see cref="GatewayUpstreamOptions"/>.
    /// </summary>
    public IDictionary<string, GatewayUpstreamOptions> Upstreams { get; } =
        new Dictionary<string, GatewayUpstreamOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the branding shown on HTML error pages (configuration section <c>GatewayErrors:Branding</c>).</summary>
    public GatewayErrorBrandingOptions Branding { get; } = new();

    /// <summary>
    /// Gets or sets the built-in theme, compared case-insensitively: <c>Default</c> (a card with a hop diagram, like a
    /// CDN's error page), <c>Minimal</c> (plain type, no decoration) or <c>Console</c> (monospaced, status-board look).
    /// </summary>
    /// <value>Defaults to <c>Default</c>.</value>
    public string Theme { get; set; } = "Default";

    /// <summary>
    /// Gets or sets the folder of custom <c>.sbn-html</c> (Scriban) templates, relative to the content root (or absolute). Changes to
    /// the files are picked up without a restart.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no template folder. When set, the folder must exist at start-up.</value>
    public string? TemplatesPath { get; set; }

    /// <summary>
    /// Gets or sets a file provider that supplies custom <c>.sbn-html</c> (Scriban) templates, for example an
    /// <see cref="EmbeddedFileProvider"/> over templates embedded in the app's assembly. Its templates take precedence
    /// over the ones in <see cref="TemplatesPath"/>.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: none. Not bound from configuration.</value>
    public IFileProvider? TemplateFileProvider { get; set; }

    /// <summary>
    /// Gets custom templates given as strings, keyed by template name without the <c>.sbn-html</c> extension
    /// (<c>502</c>, <c>connection_refused</c>, <c>error</c>, <c>layout</c> or a partial's name). They take precedence
    /// over <see cref="TemplateFileProvider"/> and <see cref="TemplatesPath"/>.
    /// </summary>
    /// <value>Empty by default. Names are compared case-insensitively.</value>
    public IDictionary<string, string> Templates { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets whether the page shows the "For the site owner" section: the likely causes and the first things to
    /// check for the error type, plus the next hop and the exception message when details may be exposed.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="null"/>: follows <see cref="ExposeDetails"/>, which is true only in
    /// Development unless set. Never shown in Production unless set to <see langword="true"/>.
    /// </value>
    public bool? ShowTroubleshooting { get; set; }

    /// <summary>
    /// Gets the diagnostics settings: log summarising, health checks and the diagnostics endpoint
    /// (configuration key <c>GatewayErrors:Diagnostics</c>).
    /// </summary>
    public GatewayDiagnosticsOptions Diagnostics { get; } = new();

    /// <summary>
    /// Gets the incident notice shown on every error response of this site (configuration section
    /// <c>GatewayErrors:Notice</c>); an upstream's own <see cref="GatewayUpstreamOptions.Notice"/> replaces it on that
    /// upstream's errors. Reloaded with the configuration, without a restart.
    /// </summary>
    public GatewayErrorNoticeOptions Notice { get; } = new();

    /// <summary>
    /// Gets how error pages retry by themselves on transient failures (configuration section <c>GatewayErrors:AutoRetry</c>).
    /// </summary>
    public GatewayErrorAutoRetryOptions AutoRetry { get; } = new();

    /// <summary>
    /// Gets which languages error responses speak (configuration section <c>GatewayErrors:Localization</c>).
    /// </summary>
    public GatewayErrorLocalizationOptions Localization { get; } = new();

    /// <summary>
    /// Gets or sets how to read the request's Content-Security-Policy nonce, for apps whose CSP allows inline script and
    /// style only by nonce: the page's <c>&lt;script&gt;</c> and <c>&lt;style&gt;</c> then carry it. For example
    /// <c>context =&gt; context.Items["csp-nonce"] as string</c>.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="null"/>: no nonce (allow the script by its hash instead, see docs/themes-and-templates.md).
    /// A nonce that is not base64 or base64url is ignored. Not bound from configuration.
    /// </value>
    public Func<Microsoft.AspNetCore.Http.HttpContext, string?>? CspNonce { get; set; }

    /// <summary>
    /// Gets the settings for serving the last good response when an upstream fails, on routes that call
    /// <c>WithStaleIfError()</c> (configuration key <c>GatewayErrors:StaleIfError</c>).
    /// </summary>
    public GatewayStaleIfErrorOptions StaleIfError { get; } = new();
}
