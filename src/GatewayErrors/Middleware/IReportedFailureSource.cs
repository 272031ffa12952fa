using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>
/// Learns about an upstream failure that an endpoint reported on the request instead of throwing it: YARP's forwarder
/// sets <c>IForwarderErrorFeature</c> and a bare status code, then returns normally. An adapter package registers one;
/// the middleware asks it only after the endpoint completed without an exception.
/// </summary>
/// <remarks>
/// Asked on every completed request while registered, so <see cref="TryGet"/> must answer "nothing failed" without
/// allocating: one feature lookup, not a classification.
/// </remarks>
internal interface IReportedFailureSource
{
    /// <summary>Returns <see langword="true"/> and what failed when the endpoint reported a failure.</summary>
    bool TryGet(HttpContext context, out ReportedFailure failure);
}

/// <summary>A failure reported without an exception: the upstream's, or one the client caused.</summary>
internal readonly struct ReportedFailure
{
    private ReportedFailure(UpstreamFailure? failure, string? upstream)
    {
        Failure = failure;
        Upstream = upstream;
    }

    /// <summary>The upstream failed: answer it like a thrown <see cref="UpstreamFailureException"/>.</summary>
    public static ReportedFailure OfUpstream(UpstreamFailure failure) => new(failure, failure.Upstream);

    /// <summary>The client went away or sent a broken request: not an upstream failure, handled as a client abort.</summary>
    public static ReportedFailure OfClient(string? upstream) => new(null, upstream);

    /// <summary>The upstream's failure, or <see langword="null"/> when the client caused it.</summary>
    public UpstreamFailure? Failure { get; }

    /// <summary>The upstream that was being called, for the log entry.</summary>
    public string? Upstream { get; }
}
