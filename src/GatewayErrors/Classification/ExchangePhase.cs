namespace GatewayErrors;

/// <summary>
/// How far an upstream exchange had got when it failed. It decides what an ended stream means and, for a timeout,
/// which error type names it: the phase in progress when the timer fired.
/// </summary>
/// <remarks>
/// The handler knows the phase of its own call (the connect callback and the certificate check record the connection
/// phases on the request); anything classified outside the handler, such as by the middleware, passes
/// <see cref="Unknown"/>.
/// </remarks>
internal enum ExchangePhase
{
    /// <summary>Seen outside the handler: the failure may come from reading the body as well, or from something else.</summary>
    Unknown = 0,

    /// <summary>Resolving the upstream's host name (the connect callback's lookup).</summary>
    Resolving,

    /// <summary>Opening the TCP connection.</summary>
    Connecting,

    /// <summary>The TLS handshake, until the upstream's certificate has been checked.</summary>
    TlsHandshake,

    /// <summary>Sending the request and waiting for the response headers; the handler's phase when nothing more precise is known.</summary>
    ResponseHeaders,

    /// <summary>Reading the response body, after the headers arrived.</summary>
    ResponseBody,
}
