namespace GatewayErrors;

/// <summary>
/// Takes an upstream out of service from configuration, under <c>GatewayErrors:Upstreams:&lt;name&gt;:Maintenance</c>.
/// </summary>
/// <remarks>
/// While maintenance is on, every instance that reads the same configuration answers calls to the upstream with 503
/// <see cref="GatewayErrorType.DestinationUnavailable"/> without contacting it, and routes marked with
/// <c>WithGatewayUpstreams()</c> answer before their endpoint runs. Configuration is how a fleet shares the switch
/// (environment variables, files, Azure App Configuration, Consul, ...); every setting reloads.
/// </remarks>
public sealed class GatewayMaintenanceOptions
{
    /// <summary>Gets or sets whether the upstream is in maintenance.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>
    /// Gets or sets when the maintenance ends (UTC). Answers carry <c>Retry-After</c> with the time left, and once it has
    /// passed calls go to the upstream again, even if <see cref="Enabled"/> is still <see langword="true"/>.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no end known, no <c>Retry-After</c>, in maintenance until <see cref="Enabled"/> is turned off.</value>
    public DateTimeOffset? Until { get; set; }

    /// <summary>Gets or sets what visitors are told, shown as the notice on the page, in problem details and in plain text.</summary>
    /// <value>Defaults to <see langword="null"/>: the page says only that the service is unavailable.</value>
    public string? Message { get; set; }
}
