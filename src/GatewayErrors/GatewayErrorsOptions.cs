namespace GatewayErrors;

/// <summary>
/// Options for GatewayErrors, bound from the <c>GatewayErrors</c> configuration section by
/// <c>AddGatewayErrors()</c> and validated when the app starts.
/// </summary>
public sealed class GatewayErrorsOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "GatewayErrors";

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

    /// <summary>
    /// Gets the diagnostics settings: log summarising, health checks and the diagnostics endpoint
    /// (configuration key <c>GatewayErrors:Diagnostics</c>).
    /// </summary>
    public GatewayDiagnosticsOptions Diagnostics { get; } = new();
}
