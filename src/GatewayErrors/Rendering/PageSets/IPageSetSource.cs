using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>
/// Names the page set of a request that endpoint metadata cannot: YARP's route and cluster metadata
/// (<c>GatewayErrors.Page</c>) change with its configuration, not with the endpoint. An adapter package registers one.
/// </summary>
/// <remarks>Asked only when an error page is written, never on a successful request.</remarks>
internal interface IPageSetSource
{
    /// <summary>The page set for the request, or <see langword="null"/> when this source has none for it.</summary>
    string? Find(HttpContext context);
}
