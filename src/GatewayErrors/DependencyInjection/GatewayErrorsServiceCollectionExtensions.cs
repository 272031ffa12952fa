using GatewayErrors;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers GatewayErrors' services.
/// </summary>
public static class GatewayErrorsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the services <c>UseGatewayErrors()</c> and <c>AddGatewayErrorsHandler()</c> need, with options bound from the
    /// <c>GatewayErrors</c> configuration section and validated when the app starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddGatewayErrors(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddCore(services);
    }

    /// <summary>
    /// Adds GatewayErrors' services, binding the <c>GatewayErrors</c> configuration section and then applying
    /// <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes the options after configuration was bound.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddGatewayErrors(this IServiceCollection services, Action<GatewayErrorsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(services);
        services.Configure(configure);
        return services;
    }

    internal static IServiceCollection AddCore(IServiceCollection services)
    {
        // Registered once, however often AddGatewayErrors or AddGatewayErrorsHandler is called.
        if (services.Any(static d => d.ServiceType == typeof(GatewayErrorsMarker)))
        {
            return services;
        }

        services.AddSingleton<GatewayErrorsMarker>();
        // Bound by the configuration binding source generator (see GatewayErrors.csproj), which keeps trimming and Native
        // AOT working: no reflection over the options types.
        services.AddOptions<GatewayErrorsOptions>()
            .BindConfiguration(GatewayErrorsOptions.SectionName)
            .PostConfigure<IServiceProvider>(static (options, provider) =>
            {
                var environment = provider.GetService<IHostEnvironment>();
                options.ExposeDetails ??= environment?.IsDevelopment() ?? false;
                options.ProxyName ??= DefaultProxyName(environment?.ApplicationName);
            })
            .ValidateOnStart();
        // The options are read on the error path: a reload that fails validation keeps the last valid ones (logged).
        services.AddSingleton<IOptionsMonitor<GatewayErrorsOptions>, GatewayErrorsOptionsMonitor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayErrorsOptions>, GatewayErrorsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayErrorsOptions>, GatewayErrorsConfigurationValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<UpstreamConcurrencyLimits>();
        services.TryAddSingleton<IUpstreamNameResolver, DnsNameResolver>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayErrorsOptions>, ErrorPageOptionsValidator>());
        services.TryAddSingleton<ErrorPageRenderer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ErrorPageStartupCheck>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, PageSetStartupCheck>());
        DiagnosticsServices.Add(services);
        ResilienceServices.Add(services);
        StaleIfErrorServices.Add(services);
        return services;
    }

    /// <summary>
    /// The application name when it can go into a header as it is; otherwise "gateway". A user never set this value,
    /// so it must never be the reason the app does not start.
    /// </summary>
    internal static string DefaultProxyName(string? applicationName)
        => !string.IsNullOrWhiteSpace(applicationName) && applicationName.All(static c => c is >= ' ' and <= '~')
            ? applicationName
            : "gateway";
}

/// <summary>Marks that GatewayErrors' services were added; <c>UseGatewayErrors()</c> checks for it.</summary>
internal sealed class GatewayErrorsMarker;
