using GatewayErrors;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds GatewayErrors' upstream health checks.
/// </summary>
public static class GatewayUpstreamsHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check named <c>gateway-upstream:&lt;name&gt;</c> (tags <c>gateway-errors</c>, <c>upstream</c>) for
    /// every upstream configured under <c>GatewayErrors:Upstreams</c> and every client with <c>AddGatewayErrorsHandler()</c>.
    /// Each reports Unhealthy while calls to the upstream are refused (isolated, in maintenance, or every circuit of the
    /// client's resilience pipelines open), Degraded while some circuit is open or half-open or recent failures reach
    /// <c>GatewayErrors:Diagnostics:DegradedFailureThreshold</c>, and Healthy otherwise.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <returns>The health checks builder, for chaining.</returns>
    /// <remarks>
    /// The checks read state the app already keeps and never call the upstream. The set of upstreams is fixed when the
    /// health check service starts; an upstream added to configuration later gets a check after a restart.
    /// </remarks>
    public static IHealthChecksBuilder AddGatewayUpstreams(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        GatewayErrorsServiceCollectionExtensions.AddCore(builder.Services);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HealthCheckServiceOptions>, UpstreamHealthCheckRegistrations>());
        return builder;
    }
}
