namespace GatewayErrors;

/// <summary>
/// Answers, when a request reaches an endpoint and before it runs, whether an upstream it needs is known to be unavailable: isolated, in
/// maintenance, or behind circuits that all reject calls.
/// </summary>
/// <remarks>
/// Exceptions are what an outage costs: with an open circuit, throwing through the handler, the endpoint and the
/// middleware costs far more than answering here, before the endpoint (see docs/performance.md). Asked by the
/// <see cref="EndpointGate"/> of marked endpoints only; when their upstreams are available it costs one volatile read
/// per upstream.
/// </remarks>
internal sealed class UpstreamAvailability
{
    private readonly UpstreamCircuits _circuits;

    public UpstreamAvailability(UpstreamCircuits circuits) => _circuits = circuits;

    /// <summary>The failure of the first of the endpoint's upstreams that is known unavailable; null when all may be called.</summary>
    public UpstreamFailure? FindUnavailable(GatewayUpstreamMetadata metadata)
    {
        foreach (var status in metadata.Resolve(_circuits))
        {
            // Healthy upstreams cost a volatile read each, not a clock read.
            if (status.MayReject && status.IsUnavailable(_circuits.TimeProvider.GetUtcNow(), out var retryAfter, out _))
            {
                return Unavailable(status.Name, retryAfter);
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
    internal static UpstreamFailure Unavailable(string upstream, TimeSpan? retryAfter)
        => FailureFactory.Create(upstream, new(GatewayErrorType.DestinationUnavailable, retryAfter), elapsed: TimeSpan.Zero);
}
