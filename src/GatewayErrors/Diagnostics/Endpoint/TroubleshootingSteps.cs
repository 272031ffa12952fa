namespace GatewayErrors;

/// <summary>
/// The first things a site owner should check for each error type, shown by the diagnostics endpoint.
/// </summary>
/// <remarks>
/// A placeholder: the per-error-type advice written for the error pages is meant to become the single source, and
/// this table is to be replaced by it.
/// </remarks>
internal static class TroubleshootingSteps
{
    private static readonly string[] Timeout =
    [
        "Measure the upstream's latency and profile its slow requests.",
        "Compare the timeouts on both sides (AttemptTimeout, TotalTimeout, the upstream's own).",
        "Check keep-alive and connection pool sizes between the gateway and the upstream.",
    ];

    private static readonly string[] Down =
    [
        "Check that the upstream process is running and listening on the configured host and port.",
        "Look for a recent deploy, restart or crash in the upstream's logs.",
        "Check firewall rules and routes between the gateway and the upstream.",
    ];

    private static readonly string[] Dns =
    [
        "Check the DNS records for the upstream's host name.",
        "Check the resolver the gateway uses, and recent DNS changes that may still be propagating.",
        "Check the host name in the gateway's configuration for typos.",
    ];

    private static readonly string[] Tls =
    [
        "Check the upstream certificate's chain, expiry date and host name.",
        "Check the trust store on the gateway's machine.",
        "Check that both sides share a TLS version and cipher suite.",
    ];

    private static readonly string[] BadResponse =
    [
        "Look for protocol errors, crashes or restarts in the upstream's logs around the failure time.",
        "Check the size of the upstream's response headers and bodies against the gateway's limits.",
        "Call the upstream directly to see its raw answer.",
    ];

    private static readonly string[] Unavailable =
    [
        "The circuit is open or isolated: the gateway stopped calling the upstream after repeated failures or by request.",
        "Check the upstream's health and logs; the circuit lets a trial call through after the break.",
        "If the upstream was taken out of service on purpose, close the circuit when maintenance ends.",
    ];

    private static readonly string[] Overloaded =
    [
        "The gateway's own limit on concurrent calls to this upstream was reached (MaxConcurrentRequests).",
        "Check the upstream's latency: slow answers hold permits longer.",
        "Raise the limit only if the upstream has the capacity.",
    ];

    private static readonly string[] ServerError =
    [
        "Read the upstream's error logs for the failing requests.",
        "Look for memory pressure, blocking calls or database connection errors upstream.",
        "Check recent upstream deploys and roll back an incompatible update.",
    ];

    public static IReadOnlyList<string> For(GatewayErrorType type) => type switch
    {
        GatewayErrorType.DnsError or GatewayErrorType.DnsTimeout => Dns,
        GatewayErrorType.ConnectionTimeout or GatewayErrorType.HttpResponseTimeout => Timeout,
        GatewayErrorType.ConnectionRefused or GatewayErrorType.DestinationIpUnroutable or GatewayErrorType.ConnectionTerminated => Down,
        GatewayErrorType.TlsCertificateError or GatewayErrorType.TlsProtocolError => Tls,
        GatewayErrorType.DestinationUnavailable => Unavailable,
        GatewayErrorType.ConnectionLimitReached => Overloaded,
        GatewayErrorType.UpstreamServerError => ServerError,
        _ => BadResponse,
    };
}
