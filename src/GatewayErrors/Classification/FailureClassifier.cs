using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace GatewayErrors;

/// <summary>
/// The one place that turns what .NET (or Polly) reports for a failed upstream call, an exception or a response,
/// into a <see cref="Classification"/>: the <see cref="GatewayErrorType"/> and what else the failure says.
/// </summary>
/// <remarks>
/// <para>
/// Called by the handler (for its own call), the resilience integration, the middleware (for exceptions that did not
/// come through the handler) and adapters such as YARP's. Callers pass the <see cref="ExchangePhase"/> they know;
/// <see cref="ExchangePhase.Unknown"/> when they cannot tell.
/// </para>
/// <para>
/// The order follows how the runtime reports failures: GatewayErrors' own exceptions, then Polly's (they say exactly
/// what the resilience pipeline decided), then <see cref="HttpRequestException.HttpRequestError"/> refined by the inner
/// <see cref="SocketException"/>, <see cref="AuthenticationException"/> or <see cref="HttpIOException"/>.
/// Caller cancellation is not decided here: only the caller's token can tell it apart.
/// </para>
/// </remarks>
internal static class FailureClassifier
{
    /// <summary>Classifies an exception, or returns <see langword="false"/> when it is not an upstream failure.</summary>
    /// <param name="exception">What the call threw.</param>
    /// <param name="phase">How far the exchange had got, when the caller knows.</param>
    /// <param name="classification">The classification, when the exception is an upstream failure.</param>
    public static bool TryClassify(Exception exception, ExchangePhase phase, out Classification classification)
        => TryClassify(exception, phase, CertificateVerdict.Unknown, out classification);

    /// <summary>Classifies an exception of a call whose TLS certificate check the caller saw.</summary>
    /// <param name="exception">What the call threw.</param>
    /// <param name="phase">How far the exchange had got, when the caller knows.</param>
    /// <param name="certificate">What the certificate check decided; <see cref="CertificateVerdict.Unknown"/> when not seen.</param>
    /// <param name="classification">The classification, when the exception is an upstream failure.</param>
    public static bool TryClassify(Exception exception, ExchangePhase phase, CertificateVerdict certificate, out Classification classification)
    {
        switch (exception)
        {
            case UpstreamFailureException failed:
                classification = Of(failed.Failure);
                return true;

            case UpstreamCanceledException canceled:
                classification = Of(canceled.Failure);
                return true;

            case TimeoutRejectedException:
                // A resilience pipeline's attempt or total timeout: whichever fired, name the phase it interrupted.
                classification = new(TimeoutIn(phase));
                return true;

            case BrokenCircuitException broken:
                // IsolatedCircuitException derives from BrokenCircuitException: both mean "known unavailable".
                classification = new(GatewayErrorType.DestinationUnavailable, broken.RetryAfter);
                return true;

            case RateLimiterRejectedException limited:
                // Polly.RateLimiting's rejection (the standard handlers' rate limiter): a local limit was reached. A
                // window or token-bucket limiter's lease says when a permit is free again; a concurrency limiter does not.
                classification = new(GatewayErrorType.ConnectionLimitReached, limited.RetryAfter);
                return true;

            case HttpRequestException { StatusCode: < HttpStatusCode.InternalServerError, InnerException: null, HttpRequestError: HttpRequestError.Unknown }:
                // EnsureSuccessStatusCode() on a 4xx: the upstream answered correctly that the request was wrong or the
                // resource is missing. That is the app's business to handle, not a gateway failure.
                classification = default;
                return false;

            case HttpRequestException { StatusCode: { } status, InnerException: null, HttpRequestError: HttpRequestError.Unknown }:
                // EnsureSuccessStatusCode() on a 5xx: the upstream answered, and the app decided the answer was a failure.
                return TryClassifyStatus((int)status, retryAfter: null, out classification);

            case HttpRequestException request:
                classification = new(ClassifyRequestException(request, phase, certificate));
                return true;

            case HttpIOException io:
                // Outside an HttpRequestException it comes from reading the content stream: after the headers.
                classification = new(ClassifyIOError(io, ExchangePhase.ResponseBody));
                return true;

            case SocketException or IOException when IsOwnCall(phase):
                // Rarely a reset right after connecting escapes SocketsHttpHandler unwrapped (a bare
                // SocketException NotConnected). From the inner handler that can only be the upstream connection;
                // outside the handler a socket or I/O error may belong to anything else the app talks to.
                classification = new(ClassifySocketError(exception) ?? GatewayErrorType.ConnectionTerminated);
                return true;

            case OperationCanceledException when ExceptionChain.Find<TimeoutException>(exception) is not null:
                // Inside the handler, with the caller's token not cancelled, this shape can only be SocketsHttpHandler's
                // ConnectTimeout (a TaskCanceledException wrapping a TimeoutException): the connection was being set
                // up, so the phase says which part. Outside the handler the same shape is HttpClient.Timeout.
                classification = new(phase == ExchangePhase.ResponseHeaders ? GatewayErrorType.ConnectionTimeout : TimeoutIn(phase));
                return true;

            default:
                classification = default;
                return false;
        }
    }

    /// <summary>
    /// Classifies an upstream's answer: a 5xx is a failure (when the caller treats server errors as failures), anything
    /// else is not. A 503 keeps the upstream's <c>Retry-After</c>.
    /// </summary>
    public static bool TryClassify(HttpResponseMessage response, DateTimeOffset now, out Classification classification)
    {
        var status = (int)response.StatusCode;
        return TryClassifyStatus(status, status == (int)HttpStatusCode.ServiceUnavailable ? RetryAfterHeader.Read(response, now) : null, out classification);
    }

    /// <summary>Classifies a status the upstream answered with; for callers that have a status but no response message.</summary>
    public static bool TryClassifyStatus(int statusCode, TimeSpan? retryAfter, out Classification classification)
    {
        if (statusCode < 500)
        {
            classification = default;
            return false;
        }

        // RFC 9110 section 15.6.4: 503 says the upstream knows it is unavailable, and may say until when.
        classification = statusCode == (int)HttpStatusCode.ServiceUnavailable
            ? new(GatewayErrorType.DestinationUnavailable, retryAfter, statusCode)
            : new(GatewayErrorType.UpstreamServerError, null, statusCode);
        return true;
    }

    /// <summary>
    /// The type of a timeout that fired during <paramref name="phase"/>, whichever timer it was (ConnectTimeout,
    /// HttpClient.Timeout, a resilience timeout, the app's own deadline): the phase in progress names it.
    /// </summary>
    public static GatewayErrorType TimeoutIn(ExchangePhase phase) => phase switch
    {
        ExchangePhase.Resolving => GatewayErrorType.DnsTimeout,
        ExchangePhase.Connecting => GatewayErrorType.ConnectionTimeout,

        // RFC 9209 has no TLS timeout: a handshake that did not finish in time failed as a handshake.
        ExchangePhase.TlsHandshake => GatewayErrorType.TlsProtocolError,
        _ => GatewayErrorType.HttpResponseTimeout,
    };

    private static Classification Of(UpstreamFailure failure) => new(failure.ErrorType, failure.RetryAfter, failure.ReceivedStatusCode);

    /// <summary>Whether the exception can only be about the handler's own upstream call (nothing else runs there).</summary>
    private static bool IsOwnCall(ExchangePhase phase) => phase is ExchangePhase.Resolving or ExchangePhase.Connecting
        or ExchangePhase.TlsHandshake or ExchangePhase.ResponseHeaders;

    /// <summary>Whether the headers may already have arrived: an ended stream is then a cut body, not a hang-up.</summary>
    private static bool MayBeBody(ExchangePhase phase) => phase is ExchangePhase.Unknown or ExchangePhase.ResponseBody;

    private static GatewayErrorType ClassifyRequestException(HttpRequestException exception, ExchangePhase phase, CertificateVerdict certificate)
    {
        switch (exception.HttpRequestError)
        {
            case HttpRequestError.NameResolutionError:
                return ExceptionChain.Find<NameResolutionTimeoutException>(exception) is not null
                    ? GatewayErrorType.DnsTimeout
                    : GatewayErrorType.DnsError;

            case HttpRequestError.ConnectionError:
                return ClassifySocketError(exception) ?? GatewayErrorType.ConnectionTerminated;

            case HttpRequestError.SecureConnectionError:
                return ClassifyTls(exception, certificate);

            case HttpRequestError.InvalidResponse:
                return GatewayErrorType.HttpProtocolError;

            case HttpRequestError.ResponseEnded:
                return ClassifyEnded(IsContentCopy(exception, phase) ? ExchangePhase.ResponseBody : phase);

            case HttpRequestError.ConfigurationLimitExceeded:
                // The handler sees the header limit (MaxResponseHeadersLength) and reports it itself. Outside the handler
                // this is HttpClient's MaxResponseContentBufferSize, hit while buffering the body after the handler chain
                // returned: a body too large, still a bad response. The exception is a bare HttpRequestException then, with
                // no inner HttpIOException, so the phase is what tells it apart. (A client without the handler that hits
                // the header limit is reported here too: still a 502, only less precise.)
                return MayBeBody(phase) ? GatewayErrorType.HttpResponseBodySize : GatewayErrorType.HttpResponseHeaderSectionSize;

            default:
                return ClassifyByInner(exception, phase, certificate);
        }
    }

    private static GatewayErrorType ClassifyByInner(HttpRequestException exception, ExchangePhase phase, CertificateVerdict certificate)
    {
        if (ExceptionChain.Find<HttpIOException>(exception) is { } io)
        {
            return ClassifyIOError(io, IsContentCopy(exception, phase) ? ExchangePhase.ResponseBody : phase);
        }

        if (ExceptionChain.Find<AuthenticationException>(exception) is not null)
        {
            return ClassifyTls(exception, certificate);
        }

        return ClassifySocketError(exception) ?? GatewayErrorType.HttpProtocolError;
    }

    private static GatewayErrorType ClassifyIOError(HttpIOException exception, ExchangePhase phase) => exception switch
    {
        // HTTP/2 and HTTP/3 say why a stream or connection ended: a reset or a GOAWAY is the upstream hanging up, as a
        // TCP reset is on HTTP/1.1; a violation of the protocol (detected by either side) is a protocol error.
        HttpProtocolException protocol => IsProtocolViolation(protocol.ErrorCode) ? GatewayErrorType.HttpProtocolError : ClassifyEnded(phase),
        { HttpRequestError: HttpRequestError.ResponseEnded } => ClassifyEnded(phase),
        { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded } => GatewayErrorType.HttpResponseHeaderSectionSize,
        _ => GatewayErrorType.HttpProtocolError,
    };

    // Before the headers are complete an ended stream means the upstream hung up; after, that the body was cut.
    private static GatewayErrorType ClassifyEnded(ExchangePhase phase)
        => MayBeBody(phase) ? GatewayErrorType.HttpResponseIncomplete : GatewayErrorType.ConnectionTerminated;

    /// <summary>
    /// Whether an HTTP/2 (RFC 9113 section 7) or HTTP/3 (RFC 9114 section 8.1) error code says the protocol was broken,
    /// rather than that the peer gave up on the stream (NO_ERROR, INTERNAL_ERROR, REFUSED_STREAM, CANCEL,
    /// ENHANCE_YOUR_CALM and their HTTP/3 counterparts).
    /// </summary>
    private static bool IsProtocolViolation(long errorCode) => errorCode switch
    {
        0x0 or 0x2 or 0x7 or 0x8 or 0xb => false,
        0x100 or 0x102 or 0x10b or 0x10c or 0x107 => false,
        _ => true,
    };

    private static GatewayErrorType? ClassifySocketError(Exception exception)
    {
        if (ExceptionChain.Find<NameResolutionTimeoutException>(exception) is not null)
        {
            return GatewayErrorType.DnsTimeout;
        }

        return ExceptionChain.Find<SocketException>(exception)?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => GatewayErrorType.ConnectionRefused,
            SocketError.TimedOut => GatewayErrorType.ConnectionTimeout,
            SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.NetworkDown
                or SocketError.AddressNotAvailable => GatewayErrorType.DestinationIpUnroutable,
            SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
                or SocketError.Disconnecting => GatewayErrorType.ConnectionTerminated,
            SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData
                or SocketError.NoRecovery => GatewayErrorType.DnsError,
            _ => null,
        };
    }

    private static GatewayErrorType ClassifyTls(Exception exception, CertificateVerdict certificate) => certificate switch
    {
        // The handler saw the certificate check itself (its validation callback wraps the app's): no guessing.
        CertificateVerdict.Rejected => GatewayErrorType.TlsCertificateError,
        CertificateVerdict.Accepted => GatewayErrorType.TlsProtocolError,

        // Without the handler's callback only the exception is left. SslStream's message for a rejected certificate
        // names it (RemoteCertificateNameMismatch, RemoteCertificateChainErrors, ...) in English; it is not a contract
        // and .NET localizes it on some platforms, so this is a best effort for calls made without the handler.
        _ => ExceptionChain.Find<AuthenticationException>(exception)?.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase) == true
            ? GatewayErrorType.TlsCertificateError
            : GatewayErrorType.TlsProtocolError,
    };

    // HttpContent.LoadIntoBufferAsync / CopyToAsync wrap stream failures in an HttpRequestException whose inner is the
    // stream's own exception: a failure while reading the body, not the headers. The handler only ever sees the
    // headers phase (HttpClient buffers the body after the handler chain returned), so this is for the middleware.
    private static bool IsContentCopy(HttpRequestException exception, ExchangePhase phase)
        => MayBeBody(phase) && exception.InnerException is HttpIOException or IOException { InnerException: HttpIOException };
}
