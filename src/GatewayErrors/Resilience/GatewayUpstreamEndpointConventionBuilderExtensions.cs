using GatewayErrors;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Tells GatewayErrors which upstreams an endpoint needs, so it can fail fast while one of them is unavailable.
/// </summary>
public static class GatewayUpstreamEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Marks the endpoints as calling <paramref name="upstreams"/>. While the circuit of any of them is open or isolated,
    /// <c>UseGatewayErrors()</c> answers 503 <c>destination_unavailable</c> with <c>Retry-After</c> before the endpoint runs:
    /// no upstream call, no exception.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder type.</typeparam>
    /// <param name="builder">The endpoint convention builder.</param>
    /// <param name="upstreams">The upstream names, as given to <c>AddGatewayErrorsHandler</c> (the client name by default).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// The check runs when a request reaches the endpoint, after authentication, authorization and any other middleware,
    /// so it works wherever <c>UseGatewayErrors()</c> and <c>UseRouting()</c> are placed.
    /// </remarks>
    public static TBuilder WithGatewayUpstreams<TBuilder>(this TBuilder builder, params string[] upstreams)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(upstreams);
        foreach (var upstream in upstreams)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(upstream, nameof(upstreams));
        }

        var metadata = new GatewayUpstreamMetadata([.. upstreams]);
        builder.Add(endpoint =>
        {
            endpoint.Metadata.Add(metadata);
            EndpointGate.Install(endpoint);
        });
        return builder;
    }
}
