using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>The services behind the resilience pipeline and the diagnostics, added once by <c>AddCore</c>.</summary>
internal static class ResilienceServices
{
    public static void Add(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<GatewayErrorsMetrics>();
        services.TryAddSingleton<FailureLogSummarizer>();
        services.TryAddSingleton<UpstreamFailureStatistics>();
        services.TryAddSingleton<FailureDiagnostics>();
        services.TryAddSingleton<UpstreamResilience>();
        services.TryAddSingleton<IGatewayUpstreamCircuits>(static provider => provider.GetRequiredService<UpstreamResilience>());
        services.TryAddSingleton<UpstreamAvailability>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayErrorsOptions>, GatewayResilienceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayErrorsOptions>, GatewayDiagnosticsOptionsValidator>());
    }
}
