using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GatewayErrors.Benchmarks.Support;

/// <summary>
/// Builds real ASP.NET Core request pipelines without a server, so a benchmark measures the middleware and the
/// endpoint, not sockets. Everything goes through the public surface (<c>AddGatewayErrors</c>,
/// <c>UseGatewayErrors</c>, <c>AddGatewayErrorsHandler</c>): the benchmarks need no access to internals.
/// </summary>
internal static class Pipelines
{
    /// <summary>The services a web host would have, minus the server: configuration, logging, diagnostics.</summary>
    public static ServiceCollection CreateServices(LoggingMode logging)
    {
        var services = new ServiceCollection();

        // AddGatewayErrors binds the "GatewayErrors" section, so an (empty) IConfiguration must exist.
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton(new DiagnosticListener("Microsoft.AspNetCore"));
        services.AddMetrics();
        services.AddLogging(builder =>
        {
            builder.ClearProviders();
            if (logging == LoggingMode.Formatted)
            {
                builder.SetMinimumLevel(LogLevel.Information);
                builder.AddProvider(new FormattingLoggerProvider());
            }
            else
            {
                builder.SetMinimumLevel(LogLevel.None);
            }
        });
        return services;
    }

    /// <summary>Builds <paramref name="middleware"/> in front of a terminal <paramref name="endpoint"/>.</summary>
    public static RequestDelegate Build(IServiceProvider services, Action<IApplicationBuilder>? middleware, RequestDelegate endpoint)
    {
        var app = new ApplicationBuilder(services);
        middleware?.Invoke(app);
        app.Run(endpoint);
        return app.Build();
    }
}

/// <summary>Whether log events are produced (and formatted) or filtered out before any work.</summary>
public enum LoggingMode
{
    /// <summary>Minimum level None: <c>ILogger.IsEnabled</c> is false for every event.</summary>
    Off,

    /// <summary>
    /// Information and up are enabled and every event is formatted, exception included, as the console logger
    /// does, then dropped: the CPU and allocation cost of default logging without the I/O.
    /// </summary>
    Formatted,
}
