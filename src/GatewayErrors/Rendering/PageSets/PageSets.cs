using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>Which page set answers a request: an adapter's (YARP route, then cluster), else the endpoint's metadata.</summary>
internal static class PageSets
{
    /// <summary>
    /// The page set of the request, or <see langword="null"/> for the site's templates. A YARP route's or cluster's
    /// metadata is more specific than a convention on <c>MapReverseProxy()</c>, which covers every route, so it comes first.
    /// </summary>
    public static string? Of(HttpContext context, IPageSetSource? source)
        => source?.Find(context) ?? context.GetEndpoint()?.Metadata.GetMetadata<GatewayErrorPageMetadata>()?.PageSet;

    /// <summary>What to say when a name has no page set: what a page set is, and the ones there are.</summary>
    public static string Unknown(string who, string pageSet, IReadOnlyList<string> known)
        => $"{who} names the error page set '{pageSet}', but the templates have no page set of that name. A page set is a folder of "
            + $"{GatewayErrorsOptions.SectionName}:TemplatesPath (or a '<page set>/<name>' key of {GatewayErrorsOptions.SectionName}:Templates) with at least one "
            + "page template in it: error, layout, a status such as 502, or an error type. "
            + (known.Count == 0 ? "There are none." : $"There are: {string.Join(", ", known)}.");
}
