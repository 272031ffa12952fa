namespace GatewayErrors;

/// <summary>
/// The one table that maps each <see cref="GatewayErrorType"/> to its RFC 9209 token, its recommended status and the
/// plain words used in responses. Status overrides from options are applied on top of it by the middleware.
/// </summary>
internal static class ErrorTypes
{
    private static readonly ErrorTypeInfo[] Table = Build();

    public static int Count => Table.Length;

    public static ErrorTypeInfo Get(GatewayErrorType type)
    {
        var index = (int)type;
        return (uint)index < (uint)Table.Length ? Table[index] : Table[0];
    }

    private static ErrorTypeInfo[] Build()
    {
        var table = new ErrorTypeInfo[Enum.GetValues<GatewayErrorType>().Length];

        // Recommended statuses are the ones RFC 9209 section 2.3 gives for each type.
        Add(GatewayErrorType.HttpProtocolError, "http_protocol_error", 502,
            "Invalid response from the upstream service",
            "The service behind this site answered with something that is not a valid HTTP response.");
        Add(GatewayErrorType.DnsError, "dns_error", 502,
            "Upstream service name could not be resolved",
            "This site could not look up the address of the service behind it.");
        Add(GatewayErrorType.DnsTimeout, "dns_timeout", 504,
            "Upstream service name lookup timed out",
            "Looking up the address of the service behind this site took too long.");
        Add(GatewayErrorType.DestinationIpUnroutable, "destination_ip_unroutable", 502,
            "Upstream service unreachable",
            "There is no network route from this site to the service behind it.");
        Add(GatewayErrorType.ConnectionRefused, "connection_refused", 502,
            "Upstream service refused the connection",
            "The service behind this site is not accepting connections.");
        Add(GatewayErrorType.ConnectionTimeout, "connection_timeout", 504,
            "Connection to the upstream service timed out",
            "This site could not open a connection to the service behind it in time.");
        Add(GatewayErrorType.ConnectionTerminated, "connection_terminated", 502,
            "Upstream service closed the connection",
            "The service behind this site closed the connection before it sent a response.");
        Add(GatewayErrorType.ConnectionLimitReached, "connection_limit_reached", 503,
            "Too many requests to the upstream service",
            "This site is already making as many calls to the service behind it as it allows, so this request was not sent.");
        Add(GatewayErrorType.TlsCertificateError, "tls_certificate_error", 502,
            "Upstream service certificate rejected",
            "The secure connection to the service behind this site failed because its certificate could not be trusted.");
        Add(GatewayErrorType.TlsProtocolError, "tls_protocol_error", 502,
            "Secure connection to the upstream service failed",
            "The secure connection to the service behind this site could not be set up.");
        Add(GatewayErrorType.HttpResponseHeaderSectionSize, "http_response_header_section_size", 502,
            "Upstream response headers too large",
            "The service behind this site answered with headers larger than this site accepts.");
        Add(GatewayErrorType.HttpResponseIncomplete, "http_response_incomplete", 502,
            "Incomplete response from the upstream service",
            "The service behind this site stopped sending its response part-way through.");
        Add(GatewayErrorType.HttpResponseTimeout, "http_response_timeout", 504,
            "Upstream service timed out",
            "The service behind this site did not answer in time.");
        Add(GatewayErrorType.DestinationUnavailable, "destination_unavailable", 503,
            "Upstream service unavailable",
            "The service behind this site is temporarily unavailable.");
        Add(GatewayErrorType.HttpResponseBodySize, "http_response_body_size", 502,
            "Upstream response too large",
            "The service behind this site sent a response larger than this site accepts.");
        Add(GatewayErrorType.UpstreamServerError, null, 502,
            "Upstream service error",
            "The service behind this site reported an internal error.");

        foreach (var info in table)
        {
            if (info.Title is null)
            {
                throw new InvalidOperationException("Every GatewayErrorType needs an entry in the error type table.");
            }
        }

        return table;

        void Add(GatewayErrorType type, string? token, int status, string title, string summary)
            => table[(int)type] = new ErrorTypeInfo(type, token, status, title, summary);
    }
}

/// <summary>What GatewayErrors knows about one error type.</summary>
/// <param name="Type">The error type.</param>
/// <param name="Token">The RFC 9209 token written as <c>error=</c>, or <see langword="null"/> when RFC 9209 has none.</param>
/// <param name="RecommendedStatus">The status RFC 9209 recommends for the type.</param>
/// <param name="Title">A short human title.</param>
/// <param name="Summary">One plain sentence saying what happened, safe to show anyone.</param>
internal sealed record ErrorTypeInfo(GatewayErrorType Type, string? Token, int RecommendedStatus, string Title, string Summary)
{
    /// <summary>Gets the RFC 9209 section that defines the type; used as the problem details <c>type</c>.</summary>
    public string ProblemTypeUri { get; } = Token is null
        ? "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.3"
        : "https://www.rfc-editor.org/rfc/rfc9209#name-" + Token.Replace('_', '-');

    /// <summary>Gets the name used in logs, metrics and problem details: RFC 9209's token, or a stable name of ours.</summary>
    public string Name { get; } = Token ?? "upstream_server_error";
}
