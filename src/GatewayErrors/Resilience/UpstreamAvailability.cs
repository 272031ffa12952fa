using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>
/// Answers, before an endpoint runs, whether an upstream it needs is known to be unavailable.
/// </summary>
/// <remarks>
/// Exceptions are what an outage costs: with an open circuit, throwing through the handler, the endpoint and the
/// middleware answered at about 0.4 x the throughput of a static page, answering here before the endpoint at about 1 x.
/// A request to an endpoint without <see cref="GatewayUpstreamMetadata"/> costs one metadata lookup.
/// </remarks>
internal sealed class UpstreamAvailability
{
    private readonly UpstreamResilience _resilience;
    private readonly TimeProvider _timeProvider;

    public UpstreamAvailability(UpstreamResilience resilience, TimeProvider timeProvider)
    {
        _resilience = resilience;
        _timeProvider = timeProvider;
    }

    public UpstreamFailure? FindUnavailable(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GatewayUpstreamMetadata>() is not { } metadata)
        {
            return null;
        }

        foreach (var upstream in metadata.Upstreams)
        {
            if (_resilience.TryGet(upstream, out var pipeline) && pipeline.IsRejecting(_timeProvider.GetUtcNow(), out var retryAfter))
            {
                return FailureFactory.Create(upstream, new(GatewayErrorType.DestinationUnavailable, retryAfter), elapsed: TimeSpan.Zero);
            }
        }

        return null;
    }
}
