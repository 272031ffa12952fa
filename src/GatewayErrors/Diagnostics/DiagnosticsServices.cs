using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>The services that report failures (log, metrics, statistics, trace), added once by <c>AddCore</c>.</summary>
internal static class DiagnosticsServices
{
    public static void Add(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<GatewayErrorsMetrics>();
        services.TryAddSingleton<FailureLogSummarizer>();
        services.TryAddSingleton<UpstreamFailureStatistics>();
        services.TryAddSingleton<FailureReporter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayErrorsOptions>, GatewayDiagnosticsOptionsValidator>());
    }
}
