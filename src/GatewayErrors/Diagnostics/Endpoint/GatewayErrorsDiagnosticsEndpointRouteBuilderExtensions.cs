using GatewayErrors;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Maps GatewayErrors' diagnostics endpoint.
/// </summary>
public static class GatewayErrorsDiagnosticsEndpointRouteBuilderExtensions
{
    /// <summary>The default path of the diagnostics endpoint.</summary>
    public const string DefaultPattern = "/_gateway/upstreams";

    /// <summary>
    /// Maps a GET endpoint listing each upstream's circuit state, recent and total failures by error type, the last
    /// error and what to check, as HTML (or JSON with <c>?format=json</c> or <c>Accept: application/json</c>).
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern; defaults to <see cref="DefaultPattern"/>.</param>
    /// <returns>The endpoint's convention builder, for example to add <c>RequireAuthorization()</c>.</returns>
    /// <remarks>
    /// The endpoint answers 404 outside the Development environment unless <c>GatewayErrors:Diagnostics:EnableEndpoint</c>
    /// is <see langword="true"/>, and everywhere when it is <see langword="false"/>; the setting reloads. It shows
    /// upstream names and exception messages: protect it when you enable it elsewhere.
    /// </remarks>
    public static IEndpointConventionBuilder MapGatewayErrorsDiagnostics(this IEndpointRouteBuilder endpoints, string pattern = DefaultPattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        return endpoints.MapGet(pattern, DiagnosticsEndpoint.HandleAsync).WithDisplayName("GatewayErrors diagnostics");
    }
}
