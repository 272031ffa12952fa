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
internal sealed class GatewayErrorsForwarderHttpClientFactory : ForwarderHttpClientFactory
{
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly IUpstreamNameResolver _resolver;
    private readonly TimeProvider _timeProvider;

    public GatewayErrorsForwarderHttpClientFactory(ILogger<ForwarderHttpClientFactory> logger, IOptionsMonitor<GatewayErrorsOptions> options,
        IUpstreamNameResolver resolver, TimeProvider timeProvider)
        : base(logger)
    {
        _options = options;
        _resolver = resolver;
        _timeProvider = timeProvider;
    }

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        // Read once per client: YARP builds a client when a cluster's configuration changes, not per request. The core's
        // installer keeps a callback the configuration or a subclass already set.
        var settings = UpstreamSettings.For(_options.CurrentValue, context.ClusterId);
        UpstreamConnector.Install(handler, _resolver, _timeProvider, settings.NameResolutionTimeout);
    }
}
