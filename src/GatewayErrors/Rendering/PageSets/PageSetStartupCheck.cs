using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Stops the start when an endpoint names a page set (<c>WithGatewayErrorPage</c>) that the templates do not have.
/// </summary>
/// <remarks>
/// Endpoints are only complete once the app's pipeline is built (<c>UseEndpoints</c> hands its data sources to routing
/// then), so the check runs as a start-up filter right after the app configured its pipeline, and before the server
/// accepts a request. The failure is an <see cref="OptionsValidationException"/>, like every configuration mistake.
/// </remarks>
internal sealed class PageSetStartupCheck : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        next(app);
        var services = app.ApplicationServices;
        var renderer = services.GetRequiredService<ErrorPageRenderer>();
        var errors = new List<string>();
        var seen = new HashSet<(string, string)>();
        // Routing's own composite of every data source the app mapped (minimal APIs, controllers, YARP, groups).
        foreach (var endpoint in services.GetService<EndpointDataSource>()?.Endpoints ?? [])
        {
            if (endpoint.Metadata.GetMetadata<GatewayErrorPageMetadata>() is { } metadata
                && !renderer.HasPageSet(metadata.PageSet)
                && seen.Add((metadata.PageSet, endpoint.DisplayName ?? "")))
            {
                errors.Add(PageSets.Unknown($"The endpoint '{endpoint.DisplayName}'", metadata.PageSet, renderer.PageSets));
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(GatewayErrorsOptions), errors);
        }
    };
}
