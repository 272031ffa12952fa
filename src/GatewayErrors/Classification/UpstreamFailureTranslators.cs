using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors;

/// <summary>
/// Recognises an upstream failure in an exception type the core cannot know, because it depends on no client library
/// but HttpClient: an adapter package registers one (GatewayErrors.Grpc reads a gRPC client's <c>RpcException</c>).
/// </summary>
/// <remarks>
/// Asked only for an exception that reached the middleware or the gRPC interceptor, never on the success path. Returns
/// <see langword="null"/> for an exception it does not know or that is not an upstream failure; it must not throw.
/// </remarks>
internal interface IUpstreamFailureTranslator
{
    UpstreamFailure? Translate(Exception exception);
}

/// <summary>
/// The failure behind an exception: what a registered <see cref="IUpstreamFailureTranslator"/> recognises first (it knows
/// its client's shapes better than the generic walk), else <see cref="FailureLocator.Find"/>.
/// </summary>
internal sealed class UpstreamFailureTranslators
{
    private static readonly UpstreamFailureTranslators None = new([]);

    private readonly IUpstreamFailureTranslator[] _translators;

    private UpstreamFailureTranslators(IUpstreamFailureTranslator[] translators) => _translators = translators;

    /// <summary>The translators the app registered; without any, this is exactly <see cref="FailureLocator.Find"/>.</summary>
    public static UpstreamFailureTranslators From(IServiceProvider services)
        => services.GetServices<IUpstreamFailureTranslator>().ToArray() is { Length: > 0 } translators ? new(translators) : None;

    public UpstreamFailure? Find(Exception exception)
    {
        foreach (var translator in _translators)
        {
            if (translator.Translate(exception) is { } failure)
            {
                return failure;
            }
        }

        return FailureLocator.Find(exception);
    }
}
