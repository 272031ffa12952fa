using GatewayErrors;
using GatewayErrors.Grpc;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Connects gRPC services, and calls to gRPC upstreams, to GatewayErrors.
/// </summary>
public static class GatewayErrorsGrpcServerBuilderExtensions
{
    /// <summary>
    /// Lets <c>UseGatewayErrors()</c> recognise a failed call to a gRPC upstream: an <c>RpcException</c> that the gRPC client
    /// made because the upstream did not answer in time (<c>DEADLINE_EXCEEDED</c>: 504 <c>http_response_timeout</c>) or at
    /// all (the transport failure it carries is classified like any other). A status the upstream itself sent is left to
    /// the app. For apps that call gRPC upstreams without hosting gRPC services; <c>AddGrpc().AddGatewayErrors()</c>
    /// includes it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <remarks>Also adds the services <c>AddGatewayErrors()</c> adds. See docs/grpc.md for the rule.</remarks>
    public static IServiceCollection AddGatewayErrorsForGrpcClients(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddGatewayErrors();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IUpstreamFailureTranslator, RpcExceptionTranslator>());
        return services;
    }

    /// <summary>
    /// Answers an upstream failure that escapes a gRPC service method (an <c>UpstreamFailureException</c> from a client with
    /// <c>AddGatewayErrorsHandler()</c>, a resilience rejection, a failed gRPC call to an upstream) with the gRPC status of
    /// its RFC 9209 type instead of <c>UNKNOWN</c>, the type in a <c>proxy-status</c> trailer, and reports it like every
    /// other gateway error: the request feature, one log entry, metrics, health statistics and the trace.
    /// </summary>
    /// <param name="builder">The gRPC server builder returned by <c>AddGrpc()</c>.</param>
    /// <returns>The gRPC server builder, for chaining.</returns>
    /// <remarks>
    /// <para>
    /// Adds an interceptor to every service, and the services <c>AddGatewayErrors()</c> adds, so calling both is harmless.
    /// Any other exception is left to gRPC as before. Calling this twice adds the interceptor once.
    /// </para>
    /// <para>
    /// Also lets <c>UseGatewayErrors()</c> recognise a failed call to a gRPC upstream (an <c>RpcException</c> the client
    /// made because the upstream did not answer in time or at all) in any endpoint; see docs/grpc.md for the rule.
    /// </para>
    /// </remarks>
    public static IGrpcServerBuilder AddGatewayErrors(this IGrpcServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(static d => d.ServiceType == typeof(GatewayErrorsInterceptor)))
        {
            return builder;
        }

        services.AddGatewayErrorsForGrpcClients();
        services.TryAddSingleton<GatewayErrorsInterceptor>();
        services.Configure<GrpcServiceOptions>(static options => options.Interceptors.Add<GatewayErrorsInterceptor>());
        return builder;
    }
}
