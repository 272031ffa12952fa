using GatewayErrors;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Chooses the error pages of endpoints: a page set of the app's templates, looked up before the site's.
/// </summary>
public static class GatewayErrorPageEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Answers the endpoints' gateway errors with the page set <paramref name="pageSet"/>: the templates in
    /// <c>&lt;TemplatesPath&gt;/&lt;pageSet&gt;/</c> first (error type, then status, then <c>error</c>, then its
    /// <c>layout</c>), then the site's templates, then the built-in theme.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder type.</typeparam>
    /// <param name="builder">An endpoint or a route group.</param>
    /// <param name="pageSet">The page set's name: a folder of the templates with at least one page template in it.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// A name that no page set of the templates has stops the app's start, naming the endpoint. On an endpoint inside a
    /// group, the endpoint's own page set wins over the group's.
    /// </remarks>
    public static TBuilder WithGatewayErrorPage<TBuilder>(this TBuilder builder, string pageSet)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(pageSet);
        if (!CustomTemplates.IsValidPageSetName(pageSet))
        {
            throw new ArgumentException($"'{pageSet}' cannot name a page set: use the name of a folder of the templates, without path separators.", nameof(pageSet));
        }

        var metadata = new GatewayErrorPageMetadata(pageSet);
        builder.Add(endpoint => endpoint.Metadata.Add(metadata));
        return builder;
    }
}
