namespace GatewayErrors;

/// <summary>
/// What went wrong with an upstream call, in the vocabulary of the RFC 9209 proxy error types.
/// </summary>
/// <remarks>
/// Each member names the RFC 9209 type it is written as in the <c>Proxy-Status</c> header, and the status
/// code GatewayErrors answers with unless <see cref="GatewayErrorsOptions.StatusCodes"/> overrides it.
/// </remarks>
public enum GatewayErrorType
{
    /// <summary>
    /// <c>http_protocol_error</c> (502): the upstream answered with something that is not valid HTTP.
    /// Also the generic fallback when a failure cannot be placed more precisely.
    /// </summary>
    HttpProtocolError = 0,

    /// <summary><c>dns_error</c> (502): the upstream's host name did not resolve.</summary>
    DnsError,

    /// <summary><c>dns_timeout</c> (504): resolving the upstream's host name took longer than allowed.</summary>
    DnsTimeout,

    /// <summary><c>destination_ip_unroutable</c> (502): there is no route to the upstream's address.</summary>
    DestinationIpUnroutable,

    /// <summary><c>connection_refused</c> (502): nothing accepted the connection at the upstream's address and port.</summary>
    ConnectionRefused,

    /// <summary><c>connection_timeout</c> (504): the connection to the upstream could not be set up in time.</summary>
    ConnectionTimeout,

    /// <summary>
    /// <c>connection_terminated</c> (502): the connection was reset or closed before a complete response header arrived.
    /// </summary>
    ConnectionTerminated,

    /// <summary><c>connection_limit_reached</c> (503): a local limit on concurrent upstream calls was reached.</summary>
    ConnectionLimitReached,

    /// <summary><c>tls_certificate_error</c> (502): the upstream's TLS certificate was rejected.</summary>
    TlsCertificateError,

    /// <summary><c>tls_protocol_error</c> (502): the TLS handshake with the upstream failed for a reason other than its certificate.</summary>
    TlsProtocolError,

    /// <summary><c>http_response_header_section_size</c> (502): the upstream's response headers were larger than allowed.</summary>
    HttpResponseHeaderSectionSize,

    /// <summary><c>http_response_incomplete</c> (502): the response body ended before all of it arrived.</summary>
    HttpResponseIncomplete,

    /// <summary><c>http_response_timeout</c> (504): no complete response arrived from the upstream in time.</summary>
    HttpResponseTimeout,

    /// <summary>
    /// <c>destination_unavailable</c> (503): the upstream is known to be unavailable (an open or isolated circuit,
    /// maintenance, or an upstream that answered 503 while configured to treat server errors as failures).
    /// </summary>
    DestinationUnavailable,

    /// <summary>
    /// The upstream answered with a 5xx status and is configured to treat server errors as failures (502).
    /// RFC 9209 has no type for this: the <c>Proxy-Status</c> header carries <c>received-status</c> without an <c>error</c>.
    /// </summary>
    UpstreamServerError,

    /// <summary>
    /// <c>http_response_body_size</c> (502): the response body was larger than the client buffers
    /// (<see cref="GatewayUpstreamOptions.MaxResponseContentBufferSize"/>).
    /// </summary>
    HttpResponseBodySize,
}
