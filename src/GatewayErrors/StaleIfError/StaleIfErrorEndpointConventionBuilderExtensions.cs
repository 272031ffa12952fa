using GatewayErrors;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Lets endpoints answer an upstream failure with the last good response they gave, instead of an error page.
/// </summary>
public static class StaleIfErrorEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Keeps the last successful (200) response of each GET to the endpoints, and serves it when the endpoint then fails
    /// because of an upstream, for up to <paramref name="maxStale"/> after it was kept. The copy carries <c>Age</c>,
    /// <c>Cache-Status</c> (a stale hit) and a <c>Proxy-Status</c> naming the failure.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder type.</typeparam>
    /// <param name="builder">The endpoint convention builder.</param>
    /// <param name="maxStale">How long after it was kept a copy may be served; more than zero.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// Never kept: responses to requests with <c>Authorization</c>, a cookie or an authenticated user, responses that set
    /// a cookie, and responses marked <c>no-store</c>, <c>private</c> or <c>must-revalidate</c>. A response's own
    /// <c>Cache-Control: stale-if-error=N</c> (RFC 5861) shortens the window, and
    /// <c>GatewayErrors:Upstreams:&lt;name&gt;:StaleIfError</c> replaces it for one upstream. See docs/stale-if-error.md.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxStale"/> is zero or negative.</exception>
    public static TBuilder WithStaleIfError<TBuilder>(this TBuilder builder, TimeSpan maxStale)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxStale, TimeSpan.Zero);

        // One metadata object per endpoint, not per group: it holds the endpoint's hold-down state. The gate serves copies
        // only to requests that reached the endpoint, past every check the app runs before it.
        builder.Add(endpoint =>
        {
            endpoint.Metadata.Add(new StaleIfErrorMetadata(maxStale));
            EndpointGate.Install(endpoint);
        });
        return builder;
    }
}
