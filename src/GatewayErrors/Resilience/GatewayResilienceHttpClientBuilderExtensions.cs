using GatewayErrors;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds the GatewayErrors resilience pipeline to a named <see cref="HttpClient"/>.
/// </summary>
public static class GatewayResilienceHttpClientBuilderExtensions
{
    /// <summary>
    /// Runs every call made with this client through the upstream's resilience pipeline: total timeout (30 s), retry of
    /// idempotent requests (3, exponential back-off with jitter, honouring <c>Retry-After</c>), a circuit breaker shared by
    /// every client of the upstream, and an attempt timeout (10 s), configured under
    /// <c>GatewayErrors:Upstreams:&lt;name&gt;:Resilience</c>. Timeouts fail with 504 <c>http_response_timeout</c>, an open
    /// or isolated circuit with 503 <c>destination_unavailable</c> without contacting the upstream.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="upstreamName">
    /// The upstream name whose settings and circuit are used; defaults to the client name. Pass the same name as to
    /// <c>AddGatewayErrorsHandler</c>.
    /// </param>
    /// <returns>The client builder, for chaining.</returns>
    /// <remarks>
    /// <para>
    /// Call it after <c>AddGatewayErrorsHandler()</c>, so that the handler sees the outcome of the whole pipeline and
    /// classifies the last attempt's failure: <c>AddHttpClient("catalog").AddGatewayErrorsHandler().AddGatewayResilience()</c>.
    /// </para>
    /// <para>
    /// Sets <see cref="HttpClient.Timeout"/> to <see cref="Timeout.InfiniteTimeSpan"/>: the pipeline's total timeout is
    /// the one deadline, and a shorter <see cref="HttpClient.Timeout"/> (100 s by default, or whatever the app sets after
    /// this call) would cancel calls as if the caller had given up, bypassing the pipeline's 504.
    /// </para>
    /// </remarks>
    public static IHttpClientBuilder AddGatewayResilience(this IHttpClientBuilder builder, string? upstreamName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (upstreamName is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(upstreamName);
        }

        var upstream = upstreamName ?? builder.Name;
        GatewayErrorsServiceCollectionExtensions.AddCore(builder.Services);
        builder.Services.AddSingleton(new GatewayUpstreamRegistration(upstream));

        builder.ConfigureHttpClient(static client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddHttpMessageHandler(provider => new GatewayResilienceHandler(
            upstream,
            provider.GetRequiredService<UpstreamResilience>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<GatewayErrorsMetrics>()));
        return builder;
    }
}
