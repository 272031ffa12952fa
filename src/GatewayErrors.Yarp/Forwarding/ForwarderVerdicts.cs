using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace GatewayErrors.Yarp;

/// <summary>Who a <see cref="ForwarderError"/> blames.</summary>
internal enum Blame
{
    /// <summary>Nothing to answer: not a failure of this request (an idle WebSocket closed by its activity timeout).</summary>
    None,

    /// <summary>The upstream, or the way to it: answered as a gateway error.</summary>
    Upstream,

    /// <summary>The client went away or sent a broken request: handled as a client abort, never as a gateway error.</summary>
    Client,
}

/// <summary>
/// YARP's own verdicts, one row per <see cref="ForwarderError"/>: whom it blames, where in the exchange it happened,
/// and what it means when the exception does not say more. The exception, when the classifier recognises it, always wins.
/// </summary>
internal static class ForwarderVerdicts
{
    public static Blame BlameFor(ForwarderError error, bool clientWentAway) => error switch
    {
        ForwarderError.None or ForwarderError.UpgradeActivityTimeout => Blame.None,

        // The client's side of the exchange broke: its request body, or its connection while the answer was copied.
        ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyClient
            or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient => Blame.Client,

        // Cancelled: by the client leaving, or by a route timeout or the app's own token (then the upstream was too slow).
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
            or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled
            => clientWentAway ? Blame.Client : Blame.Upstream,

        _ => Blame.Upstream,
    };

    /// <summary>
    /// Before the response headers arrived (YARP's own call, as the handler sees it), or while the body was copied
    /// (where an ended stream means a cut body and a timeout a stalled one).
    /// </summary>
    public static ExchangePhase Phase(ForwarderError error) => error switch
    {
        ForwarderError.ResponseBodyDestination or ForwarderError.ResponseBodyCanceled => ExchangePhase.ResponseBody,
        _ => ExchangePhase.ResponseHeaders,
    };

    /// <summary>
    /// Whether the call may have ended before it had a connection: YARP's own call (not the body copies) was cancelled or
    /// timed out, which is where a call waits for the connection pool.
    /// </summary>
    public static bool MayWaitForConnection(ForwarderError error) => error is ForwarderError.RequestTimedOut or ForwarderError.RequestCanceled;

    /// <summary>The error type when there is no exception, or one the classifier does not recognise.</summary>
    /// <param name="error">What YARP reported.</param>
    /// <param name="timedOut">
    /// The exception is a cancellation that was not the client's: YARP's activity timer fired. Mid-copy YARP then blames
    /// the side it was waiting for (<c>...Destination</c>), so this is what tells a stall from a cut.
    /// </param>
    /// <param name="yarpStatus">The status YARP chose.</param>
    public static GatewayErrorType WithoutException(ForwarderError error, bool timedOut, int yarpStatus) => error switch
    {
        // Every destination unhealthy, or none configured: the upstream is known to be unavailable.
        ForwarderError.NoAvailableDestinations => GatewayErrorType.DestinationUnavailable,

        // YARP's activity timeout, a route timeout or the app's token fired before the upstream answered (or while the
        // body was still coming): the upstream did not answer in time. YARP itself says 400 or 502 for some of these.
        ForwarderError.RequestTimedOut or ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
            or ForwarderError.ResponseBodyCanceled or ForwarderError.UpgradeRequestCanceled
            or ForwarderError.UpgradeResponseCanceled => GatewayErrorType.HttpResponseTimeout,

        // The upstream stopped reading the request body; YARP answers 504 when its activity timeout caused it.
        ForwarderError.RequestBodyDestination => timedOut || yarpStatus == StatusCodes.Status504GatewayTimeout
            ? GatewayErrorType.HttpResponseTimeout
            : GatewayErrorType.ConnectionTerminated,

        // The body stalled, or was cut, after the headers.
        ForwarderError.ResponseBodyDestination => timedOut ? GatewayErrorType.HttpResponseTimeout : GatewayErrorType.HttpResponseIncomplete,

        // A tunnel (WebSocket) to the upstream broke after the 101.
        ForwarderError.UpgradeRequestDestination or ForwarderError.UpgradeResponseDestination => GatewayErrorType.ConnectionTerminated,

        // The upstream's response could not be turned into ours (invalid headers, or a response transform failed).
        ForwarderError.ResponseHeaders => GatewayErrorType.HttpProtocolError,

        // The request could not be built or sent for a reason the classifier does not know (a transform or a handler
        // of the app's threw): the taxonomy's generic type, as RFC 9209 advises when nothing more specific fits.
        _ => GatewayErrorType.HttpProtocolError,
    };
}
