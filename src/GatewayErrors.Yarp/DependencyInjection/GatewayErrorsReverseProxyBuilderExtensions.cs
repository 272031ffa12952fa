using GatewayErrors;
using GatewayErrors.Yarp;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Connects YARP's forwarder to GatewayErrors.
/// </summary>
public static class GatewayErrorsReverseProxyBuilderExtensions
{
    /// <summary>
    /// Answers every forwarder error YARP reports (DNS, connect, TLS, protocol, timeouts, no available destination)
    /// as <c>UseGatewayErrors()</c> answers a failed <see cref="HttpClient"/> call: the most specific RFC 9209 type, its
    /// status, <c>Proxy-Status</c>, the negotiated body and one log entry, with the cluster id as the upstream name.
    /// </summary>
    /// <param name="builder">The reverse proxy builder returned by <c>AddReverseProxy()</c>.</param>
    /// <returns>The reverse proxy builder, for chaining.</returns>
    /// <remarks>
    /// <para>
    /// Settings and display names per cluster come from <c>GatewayErrors:Upstreams:&lt;clusterId&gt;</c>. Also adds the
    /// services <c>AddGatewayErrors()</c> adds, so calling both is harmless; <c>app.UseGatewayErrors()</c> must still run
    /// before <c>app.MapReverseProxy()</c>.
    /// </para>
    /// <para>
    /// Replaces YARP's default <see cref="IForwarderHttpClientFactory"/> with one that gives each cluster's handler
    /// GatewayErrors' connect callback (name lookups bounded by <c>NameResolutionTimeout</c>, DNS told apart from connect).
    /// A factory the app registered itself is kept as it is.
    /// </para>
    /// <para>
    /// A route's or cluster's <c>GatewayErrors.Page</c> metadata names the page set of its error pages (the route's
    /// wins); a name the templates have no page set for fails YARP's configuration load.
    /// </para>
    /// </remarks>
    public static IReverseProxyBuilder AddGatewayErrors(this IReverseProxyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        GatewayErrorsServiceCollectionExtensions.AddCore(services);
        services.TryAddSingleton<ClusterConnectors>();
        services.TryAddSingleton<IReportedFailureSource, ForwarderFailureSource>();
        services.TryAddSingleton<YarpPageSets>();
        services.TryAddSingleton<IPageSetSource>(static s => s.GetRequiredService<YarpPageSets>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProxyConfigFilter, YarpPageSets>(static s => s.GetRequiredService<YarpPageSets>()));

        // The registration that wins is the last one: replace it only when it is YARP's own default.
        var current = services.LastOrDefault(static d => d.ServiceType == typeof(IForwarderHttpClientFactory));
        if (current is { ImplementationType: { } type } && type == typeof(ForwarderHttpClientFactory))
        {
            services.Remove(current);
            services.AddSingleton<IForwarderHttpClientFactory, GatewayErrorsForwarderHttpClientFactory>();
        }

        return builder;
    }
}
