using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace GatewayErrors;

/// <summary>Where in an upstream exchange an exception surfaced; it decides what an ended stream means.</summary>
internal enum ExchangePhase
{
    /// <summary>Seen by the handler, around sending the request and reading the response headers.</summary>
    ResponseHeaders,

    /// <summary>Seen outside the handler (by the middleware): it may come from reading the body as well.</summary>
    Unknown,
}

/// <summary>
/// The one place that turns what .NET throws for a failed upstream call into a <see cref="GatewayErrorType"/>.
/// </summary>
/// <remarks>
/// The order follows how the runtime reports failures: Polly's own exception types first (they say exactly what
/// the resilience pipeline decided), then <see cref="HttpRequestException.HttpRequestError"/> refined by the inner
/// <see cref="SocketException"/>, <see cref="AuthenticationException"/> or <see cref="HttpIOException"/>.
/// Caller cancellation is not classified here: only the caller's token can tell it apart.
/// </remarks>
internal static class FailureClassifier
{
    /// <summary>Classifies an exception, or returns <see langword="false"/> when it is not an upstream failure.</summary>
    public static bool TryClassify(Exception exception, ExchangePhase phase, out GatewayErrorType type, out TimeSpan? retryAfter)
    {
        retryAfter = null;
        switch (exception)
        {
            case UpstreamFailureException failure:
                type = failure.Failure.ErrorType;
                retryAfter = failure.Failure.RetryAfter;
                return true;

            case TimeoutRejectedException:
                type = GatewayErrorType.HttpResponseTimeout;
                return true;

            case BrokenCircuitException broken:
                // IsolatedCircuitException derives from BrokenCircuitException: both mean "known unavailable".
                type = GatewayErrorType.DestinationUnavailable;
                retryAfter = broken.RetryAfter;
                return true;

            case RateLimiterRejectedException limited:
                // Polly.RateLimiting's rejection (the standard handlers' rate limiter): a local limit was reached. A
                // window or token-bucket limiter's lease says when a permit is free again; a concurrency limiter does not.
                type = GatewayErrorType.ConnectionLimitReached;
                retryAfter = limited.RetryAfter;
                return true;

            case HttpRequestException { StatusCode: < HttpStatusCode.InternalServerError, InnerException: null, HttpRequestError: HttpRequestError.Unknown }:
                // EnsureSuccessStatusCode() on a 4xx: the upstream answered correctly that the request was wrong or the
                // resource is missing. That is the app's business to handle, not a gateway failure.
                type = default;
                return false;

            case HttpRequestException request:
                type = ClassifyRequestException(request, phase, out var received);
                if (received == HttpStatusCode.ServiceUnavailable)
                {
                    type = GatewayErrorType.DestinationUnavailable;
                }

                return true;

            case HttpIOException io:
                // Outside an HttpRequestException it comes from reading the content stream: after the headers.
                type = ClassifyIOError(io.HttpRequestError, ExchangePhase.Unknown);
                return true;

            case SocketException or IOException when phase == ExchangePhase.ResponseHeaders:
                // Rarely a reset right after connecting escapes SocketsHttpHandler unwrapped (a bare
                // SocketException NotConnected). From the inner handler that can only be the upstream connection;
                // outside the handler a socket or I/O error may belong to anything else the app talks to.
                type = ClassifySocketError(exception) ?? GatewayErrorType.ConnectionTerminated;
                return true;

            case OperationCanceledException when FindInner<TimeoutException>(exception) is not null:
                // SocketsHttpHandler reports an elapsed ConnectTimeout as a TaskCanceledException wrapping a
                // TimeoutException while the caller's token is not cancelled; the handler only gets here in that case.
                // Outside the handler the same shape is HttpClient.Timeout: no response in time.
                type = phase == ExchangePhase.ResponseHeaders
                    ? GatewayErrorType.ConnectionTimeout
                    : GatewayErrorType.HttpResponseTimeout;
                return true;

            default:
                type = default;
                return false;
        }
    }

    /// <summary>The status code an exception from <c>EnsureSuccessStatusCode</c> carries, if any.</summary>
    public static int? ReceivedStatus(Exception exception)
        => exception is HttpRequestException { StatusCode: { } status, InnerException: null } ? (int)status : null;

    private static GatewayErrorType ClassifyRequestException(HttpRequestException exception, ExchangePhase phase, out HttpStatusCode? received)
    {
        received = null;
        switch (exception.HttpRequestError)
        {
            case HttpRequestError.NameResolutionError:
                return FindInner<NameResolutionTimeoutException>(exception) is not null
                    ? GatewayErrorType.DnsTimeout
                    : GatewayErrorType.DnsError;

            case HttpRequestError.ConnectionError:
                return ClassifySocketError(exception) ?? GatewayErrorType.ConnectionTerminated;

            case HttpRequestError.SecureConnectionError:
                return ClassifyTls(exception);

            case HttpRequestError.InvalidResponse:
                return GatewayErrorType.HttpProtocolError;

            case HttpRequestError.ResponseEnded:
                return ClassifyIOError(HttpRequestError.ResponseEnded, IsContentCopy(exception, phase) ? ExchangePhase.Unknown : phase);

            case HttpRequestError.ConfigurationLimitExceeded:
                // The handler sees the header limit (MaxResponseHeadersLength) and reports it itself. Outside the handler
                // this is HttpClient's MaxResponseContentBufferSize, hit while buffering the body after the handler chain
                // returned: a body too large, still a bad response. The exception is a bare HttpRequestException then, with
                // no inner HttpIOException, so the phase is what tells it apart. (A client without the handler that hits
                // the header limit is reported here too: still a 502, only less precise.)
                return phase == ExchangePhase.Unknown ? GatewayErrorType.HttpResponseBodySize : GatewayErrorType.HttpResponseHeaderSectionSize;

            default:
                if (exception.StatusCode is { } status && exception.InnerException is null)
                {
                    // EnsureSuccessStatusCode(): the upstream answered, and the app decided the answer was a failure.
                    received = status;
                    return GatewayErrorType.UpstreamServerError;
                }

                return ClassifyByInner(exception, phase);
        }
    }

    private static GatewayErrorType ClassifyByInner(Exception exception, ExchangePhase phase)
    {
        if (FindInner<HttpIOException>(exception) is { } io)
        {
            return ClassifyIOError(io.HttpRequestError, exception is HttpRequestException request && IsContentCopy(request, phase) ? ExchangePhase.Unknown : phase);
        }

        if (FindInner<AuthenticationException>(exception) is not null)
        {
            return ClassifyTls(exception);
        }

        return ClassifySocketError(exception) ?? GatewayErrorType.HttpProtocolError;
    }

    private static GatewayErrorType ClassifyIOError(HttpRequestError error, ExchangePhase phase) => error switch
    {
        // Before the headers are complete an ended stream means the upstream hung up; after, that the body was cut.
        HttpRequestError.ResponseEnded => phase == ExchangePhase.ResponseHeaders
            ? GatewayErrorType.ConnectionTerminated
            : GatewayErrorType.HttpResponseIncomplete,
        HttpRequestError.ConfigurationLimitExceeded => GatewayErrorType.HttpResponseHeaderSectionSize,
        _ => GatewayErrorType.HttpProtocolError,
    };

    private static GatewayErrorType? ClassifySocketError(Exception exception)
    {
        if (FindInner<NameResolutionTimeoutException>(exception) is not null)
        {
            return GatewayErrorType.DnsTimeout;
        }

        return FindInner<SocketException>(exception)?.SocketErrorCode switch
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

    private static GatewayErrorType ClassifyTls(Exception exception)
    {
        // SslStream reports a rejected certificate as an AuthenticationException whose message names the
        // certificate (RemoteCertificateNameMismatch, RemoteCertificateChainErrors, ...); the runtime offers no
        // structured field for it. Anything else in the handshake is a protocol failure.
        var authentication = FindInner<AuthenticationException>(exception);
        return authentication?.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase) == true
            ? GatewayErrorType.TlsCertificateError
            : GatewayErrorType.TlsProtocolError;
    }

    // HttpContent.LoadIntoBufferAsync / CopyToAsync wrap stream failures in an HttpRequestException whose inner is the
    // stream's own exception: a failure while reading the body, not the headers. The handler only ever sees the
    // headers phase (HttpClient buffers the body after the handler chain returned), so this is for the middleware.
    private static bool IsContentCopy(HttpRequestException exception, ExchangePhase phase)
        => phase == ExchangePhase.Unknown && exception.InnerException is HttpIOException or IOException { InnerException: HttpIOException };

    /// <summary>The first exception of type <typeparamref name="T"/> in the chain, the exception itself included.</summary>
    internal static T? FindInner<T>(Exception exception)
        where T : Exception
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }
}
