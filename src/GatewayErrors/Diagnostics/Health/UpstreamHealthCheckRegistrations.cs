using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Adds one health check per known upstream when the health check service is first built: every upstream in
/// <c>GatewayErrors:Upstreams</c> and every client that called <c>AddGatewayErrorsHandler()</c>.
/// </summary>
internal sealed class UpstreamHealthCheckRegistrations : IConfigureOptions<HealthCheckServiceOptions>
{
    public const string NamePrefix = "gateway-upstream:";

    private static readonly string[] Tags = ["gateway-errors", "upstream"];

    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly IEnumerable<GatewayUpstreamRegistration> _registrations;

    public UpstreamHealthCheckRegistrations(IOptionsMonitor<GatewayErrorsOptions> options, IEnumerable<GatewayUpstreamRegistration> registrations)
    {
        _options = options;
        _registrations = registrations;
    }

    public void Configure(HealthCheckServiceOptions options)
    {
        var upstreams = new SortedSet<string>(_options.CurrentValue.Upstreams.Keys, StringComparer.OrdinalIgnoreCase);
        upstreams.UnionWith(_registrations.Select(static r => r.Upstream));
        foreach (var upstream in upstreams)
        {
            options.Registrations.Add(new HealthCheckRegistration(
                NamePrefix + upstream,
                provider => ActivatorUtilities.CreateInstance<UpstreamHealthCheck>(provider, upstream),
                failureStatus: null,
                tags: Tags));
        }
    }
}
