using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>The services behind <c>WithStaleIfError()</c>, added once by <c>AddCore</c>.</summary>
/// <remarks>
/// Nothing here runs for an app whose endpoints do not opt in: the store (and its HybridCache) is built on the first
/// opted-in request, not at start-up.
/// </remarks>
internal static class StaleIfErrorServices
{
    public static void Add(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<StaleCopyStore>();
        services.TryAddSingleton<KeepAdmission>();
        services.TryAddSingleton<StaleCopies>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayErrorsOptions>, StaleIfErrorOptionsValidator>());
    }
}
