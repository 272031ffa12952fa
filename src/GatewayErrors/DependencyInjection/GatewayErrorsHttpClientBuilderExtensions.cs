using GatewayErrors;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds the GatewayErrors handler to a named <see cref="HttpClient"/>.
/// </summary>
public static class GatewayErrorsHttpClientBuilderExtensions
{
    /// <summary>
    /// Classifies every failed call made with this client (DNS, connect, TLS, protocol, timeouts, limits) and
    /// throws an <see cref="UpstreamFailureException"/> that <c>UseGatewayErrors()</c> turns into the right response.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="upstreamName">
    /// The upstream name used in logs, options (<c>GatewayErrors:Upstreams:&lt;name&gt;</c>) and pages; defaults to the client name.
    /// </param>
    /// <returns>The client builder, for chaining.</returns>
    /// <remarks>
    /// <para>
    /// Add it before the app's resilience handler (<c>AddStandardResilienceHandler()</c>, <c>AddStandardHedgingHandler()</c>
    /// or <c>AddResilienceHandler(...)</c>): it then classifies the outcome of the whole pipeline, the circuits of the
    /// client's pipelines are reported under this upstream, and calls are refused without contacting the upstream while
    /// it is isolated (<see cref="IGatewayUpstreamCircuits"/>) or in maintenance (<see cref="GatewayUpstreamOptions.Maintenance"/>).
    /// </para>
    /// <para>
    /// Also gives the primary <see cref="SocketsHttpHandler"/> a connect callback that bounds name resolution by its
    /// <see cref="SocketsHttpHandler.ConnectTimeout"/> and by <see cref="GatewayUpstreamOptions.NameResolutionTimeout"/>,
    /// whichever is shorter, and records the phase of each connection attempt so that a timeout is named by the phase it
    /// interrupted (unless the app set a callback of its own), and limits the
    /// client's <see cref="HttpClient.MaxResponseContentBufferSize"/> to
    /// <see cref="GatewayUpstreamOptions.MaxResponseContentBufferSize"/> unless the app set a limit of its own.
    /// </para>
    /// </remarks>
    public static IHttpClientBuilder AddGatewayErrorsHandler(this IHttpClientBuilder builder, string? upstreamName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (upstreamName is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(upstreamName);
        }

        var upstream = upstreamName ?? builder.Name;
        GatewayErrorsServiceCollectionExtensions.AddCore(builder.Services);
        builder.Services.AddSingleton(new GatewayUpstreamRegistration(builder.Name, upstream));

        builder.AddHttpMessageHandler(provider => new GatewayErrorsHandler(
            upstream,
            provider.GetRequiredService<IOptionsMonitor<GatewayErrorsOptions>>(),
            provider.GetRequiredService<UpstreamConcurrencyLimits>(),
            provider.GetRequiredService<TimeProvider>()));

        // Inside the handler, so that what it refuses is reported like any other failure; before any resilience
        // handler added after this call, so that a refused call is not retried, hedged or counted by a breaker.
        builder.AddHttpMessageHandler(provider => new UpstreamGateHandler(
            provider.GetRequiredService<UpstreamCircuits>().Get(upstream),
            provider.GetRequiredService<TimeProvider>()));

        // HttpClient buffers a body up to 2 GB by default: an upstream that never ends its body would grow the process
        // that far (and the pooled buffers stay). A limit the app configured itself, before or after this call, wins.
        builder.ConfigureHttpClient((provider, client) =>
        {
            if (client.MaxResponseContentBufferSize == int.MaxValue)
            {
                var options = provider.GetRequiredService<IOptionsMonitor<GatewayErrorsOptions>>().CurrentValue;
                client.MaxResponseContentBufferSize = UpstreamSettings.For(options, upstream).MaxResponseContentBufferSize;
            }
        });

        builder.ConfigurePrimaryHttpMessageHandler((handler, provider) =>
        {
            if (handler is SocketsHttpHandler sockets)
            {
                var settings = UpstreamSettings.For(provider.GetRequiredService<IOptionsMonitor<GatewayErrorsOptions>>().CurrentValue, upstream);
                UpstreamConnector.Install(sockets, provider.GetRequiredService<IUpstreamNameResolver>(), provider.GetRequiredService<TimeProvider>(),
                    settings.NameResolutionTimeout);
            }
        });

        return builder;
    }
}
