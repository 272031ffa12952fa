using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace GatewayErrors.Yarp;

/// <summary>
/// Reads the page set of a proxied request from YARP's configuration: the route's <c>GatewayErrors.Page</c> metadata,
/// else its cluster's. Every route of a cluster can share a page set, and one route can have its own.
/// </summary>
/// <remarks>
/// Also a configuration filter: a name that the templates have no page set for fails YARP's configuration load. The
/// first load stops the app's start (YARP throws from <c>MapReverseProxy()</c>); a reload that names one is rejected by
/// YARP, which logs it and keeps the last good configuration.
/// </remarks>
internal sealed class YarpPageSets(ErrorPageRenderer renderer) : IPageSetSource, IProxyConfigFilter
{
    /// <summary>The metadata key, on a route or a cluster.</summary>
    public const string MetadataKey = "GatewayErrors.Page";

    public string? Find(HttpContext context)
    {
        if (context.Features.Get<IReverseProxyFeature>() is not { } proxy)
        {
            return null;
        }

        return PageOf(proxy.Route.Config.Metadata) ?? PageOf(proxy.Cluster?.Config.Metadata);
    }

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        Check($"The YARP cluster '{cluster.ClusterId}' (metadata {MetadataKey})", cluster.Metadata);
        return ValueTask.FromResult(cluster);
    }

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        Check($"The YARP route '{route.RouteId}' (metadata {MetadataKey})", route.Metadata);
        return ValueTask.FromResult(route);
    }

    private static string? PageOf(IReadOnlyDictionary<string, string>? metadata)
        => metadata is not null && metadata.TryGetValue(MetadataKey, out var page) && !string.IsNullOrWhiteSpace(page) ? page.Trim() : null;

    private void Check(string who, IReadOnlyDictionary<string, string>? metadata)
    {
        if (PageOf(metadata) is { } page && !renderer.HasPageSet(page))
        {
            throw new InvalidOperationException(PageSets.Unknown(who, page, renderer.PageSets));
        }
    }
}
