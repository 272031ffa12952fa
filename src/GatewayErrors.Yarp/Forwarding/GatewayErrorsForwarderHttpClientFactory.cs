using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace GatewayErrors.Yarp;

/// <summary>
/// YARP's default client factory, plus the core's connect callback on each cluster's <see cref="SocketsHttpHandler"/>:
/// the lookup gets its own deadline (<c>GatewayErrors:Upstreams:&lt;clusterId&gt;:NameResolutionTimeout</c>), so a hung or
/// failed name lookup is told apart from a failed connect, as it is for an <see cref="HttpClient"/> with the handler.
/// </summary>
/// <remarks>
/// Only replaces YARP's own <see cref="ForwarderHttpClientFactory"/>: an app that registered a factory of its own keeps
/// it, and its failures are classified from the exception alone. A callback the configuration or a subclass already
/// set is never replaced.
/// </remarks>
internal class GatewayErrorsForwarderHttpClientFactory : ForwarderHttpClientFactory, IForwarderHttpClientFactory
{
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly IUpstreamNameResolver _resolver;
    private readonly TimeProvider _timeProvider;
    private readonly ClusterConnectors _connectors;

    // ConfigureHandler runs inside the base's CreateClient, which returns only the finished client: the connector built
    // for it is handed over here. Clients are built when a cluster's configuration changes, so the lock is uncontended.
    private readonly Lock _building = new();
    private UpstreamConnector? _built;

    public GatewayErrorsForwarderHttpClientFactory(ILogger<ForwarderHttpClientFactory> logger, IOptionsMonitor<GatewayErrorsOptions> options,
        IUpstreamNameResolver resolver, TimeProvider timeProvider, ClusterConnectors connectors)
        : base(logger)
    {
        _options = options;
        _resolver = resolver;
        _timeProvider = timeProvider;
        _connectors = connectors;
    }

    /// <summary>YARP's client, remembered with its connector so the failure path can find it (<see cref="ClusterConnectors"/>).</summary>
    HttpMessageInvoker IForwarderHttpClientFactory.CreateClient(ForwarderHttpClientContext context)
    {
        lock (_building)
        {
            _built = null;
            var client = CreateClient(context);

            // A client reused unchanged (the same configuration) keeps the entry it already has.
            if (_built is { } connector)
            {
                _connectors.Add(client, connector);
            }

            _built = null;
            return client;
        }
    }

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        // Read once per client: YARP builds a client when a cluster's configuration changes, not per request. The core's
        // installer keeps a callback the configuration or a subclass already set.
        var settings = UpstreamSettings.For(_options.CurrentValue, context.ClusterId);
        if (UpstreamConnector.Install(handler, _resolver, _timeProvider, settings.NameResolutionTimeout))
        {
            _built = UpstreamConnector.InstalledOn(handler);
        }
    }
}
