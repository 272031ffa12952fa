using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>
/// Answers, before an endpoint runs, whether an upstream it needs is known to be unavailable: isolated, in
/// maintenance, or behind circuits that all reject calls.
/// </summary>
/// <remarks>
/// Exceptions are what an outage costs: with an open circuit, throwing through the handler, the endpoint and the
/// middleware costs far more than answering here, before the endpoint (see docs/performance.md). A request to an
/// endpoint without <see cref="GatewayUpstreamMetadata"/> costs one metadata lookup; to a marked endpoint whose
/// upstreams are available, one volatile read per upstream.
/// </remarks>
internal sealed class UpstreamAvailability
{
    private readonly UpstreamCircuits _circuits;

    public UpstreamAvailability(UpstreamCircuits circuits) => _circuits = circuits;

    public UpstreamFailure? FindUnavailable(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GatewayUpstreamMetadata>() is not { } metadata)
        {
            return null;
        }

        foreach (var status in metadata.Resolve(_circuits))
        {
            if (status.IsUnavailable(_circuits.TimeProvider.GetUtcNow(), out var retryAfter, out var maintenance))
            {
                return Unavailable(status.Name, retryAfter, maintenance);
            }
        }

        return null;
    }

    /// <summary>
    /// The notice for a 503 <c>destination_unavailable</c> of an upstream in maintenance: the maintenance message, which
    /// replaces a configured notice (it says more about this answer). Null otherwise, so the configured notice applies.
    /// </summary>
    public ErrorNotice? MaintenanceNotice(UpstreamFailure failure)
        => failure is { ErrorType: GatewayErrorType.DestinationUnavailable, Upstream: { } upstream }
            && _circuits.TryGet(upstream, out var status)
            && status.Maintenance is { Notice: { } notice } window
            && window.IsActive(_circuits.TimeProvider.GetUtcNow())
                ? notice
                : null;

    /// <summary>The failure of a call refused before it was tried: 503 <c>destination_unavailable</c>, nothing elapsed, no next hop.</summary>
    internal static UpstreamFailure Unavailable(string upstream, TimeSpan? retryAfter, MaintenanceWindow? maintenance)
        => FailureFactory.Create(upstream, new(GatewayErrorType.DestinationUnavailable, retryAfter), elapsed: TimeSpan.Zero);
}
