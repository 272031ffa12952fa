using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>The services behind the resilience pipeline, added once by <c>AddCore</c> (after the diagnostics they use).</summary>
internal static class ResilienceServices
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<UpstreamResilience>();
        services.TryAddSingleton<IGatewayUpstreamCircuits>(static provider => provider.GetRequiredService<UpstreamResilience>());
        services.TryAddSingleton<UpstreamAvailability>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayErrorsOptions>, GatewayResilienceOptionsValidator>());
    }
}
