using GatewayErrors;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Maps GatewayErrors' development endpoints: the upstream diagnostics and the error-page preview.
/// </summary>
public static class GatewayErrorsDiagnosticsEndpointRouteBuilderExtensions
{
    /// <summary>The default path of the diagnostics endpoint.</summary>
    public const string DefaultPattern = "/_gateway/upstreams";

    /// <summary>The default path of the error-page preview.</summary>
    public const string DefaultPreviewPattern = "/_gateway/error-pages";

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

    /// <summary>
    /// Maps a GET endpoint that previews the app's error pages without breaking an upstream: with a query
    /// (<c>?type=connection_refused&amp;status=502&amp;theme=console&amp;lang=ar&amp;set=checkout&amp;method=POST</c>) it answers the
    /// page a visitor would get, rendered by the app's own templates, layout, texts and branding with sample values;
    /// without one, a gallery linking every error type and status, theme, language, page set and method, naming the
    /// template that answers each.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern; defaults to <see cref="DefaultPreviewPattern"/>.</param>
    /// <returns>The endpoint's convention builder, for example to add <c>RequireAuthorization()</c>.</returns>
    /// <remarks>
    /// The same switch as <see cref="MapGatewayErrorsDiagnostics"/> governs it: it answers 404 outside the Development
    /// environment unless <c>GatewayErrors:Diagnostics:EnableEndpoint</c> is <see langword="true"/>, and everywhere when
    /// it is <see langword="false"/>. A query value it does not know answers 400 with a plain-text message. Pages are
    /// rendered outside the page cache and carry <c>Cache-Control: no-store</c> and <c>X-Robots-Tag: noindex</c>.
    /// </remarks>
    public static IEndpointConventionBuilder MapGatewayErrorsPreview(this IEndpointRouteBuilder endpoints, string pattern = DefaultPreviewPattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        return endpoints.MapGet(pattern, ErrorPagePreview.HandleAsync).WithDisplayName("GatewayErrors error-page preview");
    }
}
