using GatewayErrors;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Adds the GatewayErrors middleware to the request pipeline.
/// </summary>
public static class GatewayErrorsApplicationBuilderExtensions
{
    /// <summary>
    /// Answers upstream failures thrown by later middleware and endpoints with 502, 503 or 504, a <c>Proxy-Status</c>
    /// header and a body the client asked for (HTML, problem details or plain text). Other exceptions pass through.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <returns>The application builder, for chaining.</returns>
    /// <remarks>Place it early, before the middleware and endpoints that call upstreams.</remarks>
    /// <exception cref="InvalidOperationException"><c>AddGatewayErrors()</c> was not called.</exception>
    public static IApplicationBuilder UseGatewayErrors(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetService<GatewayErrorsMarker>() is null)
        {
            throw new InvalidOperationException(
                "UseGatewayErrors() needs GatewayErrors' services: call builder.Services.AddGatewayErrors() when configuring services.");
        }

        return app.UseMiddleware<GatewayErrorsMiddleware>();
    }
}
