using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly.Telemetry;

namespace GatewayErrors;

/// <summary>The services behind upstream availability, added once by <c>AddCore</c> (after the diagnostics they use).</summary>
internal static class ResilienceServices
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<UpstreamCircuits>();
        services.TryAddSingleton<IGatewayUpstreamCircuits>(static provider => provider.GetRequiredService<UpstreamCircuits>());
        services.TryAddSingleton<UpstreamAvailability>();
        services.TryAddSingleton<CircuitTelemetryListener>();

        // Polly.Extensions hands these options to every pipeline built through dependency injection, which is how
        // Microsoft.Extensions.Http.Resilience builds its handlers: the listener sees them all, whatever their order.
        services.AddOptions<TelemetryOptions>()
            .Configure<CircuitTelemetryListener>(static (options, listener) => options.TelemetryListeners.Add(listener));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayErrorsOptions>, MaintenanceOptionsValidator>());
    }
}
