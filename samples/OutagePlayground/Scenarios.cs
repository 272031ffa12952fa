namespace OutagePlayground;

/// <summary>One way an upstream can fail, as listed on the home page and in the README.</summary>
/// <param name="Name">The client name, the upstream name in configuration, and the last segment of <c>/demo/{name}</c>.</param>
/// <param name="Upstream">What the demo upstream does.</param>
/// <param name="ExpectedStatus">The status GatewayErrors answers with.</param>
/// <param name="ErrorType">The RFC 9209 <c>error</c> written in <c>Proxy-Status</c>; <see langword="null"/> when the call succeeds.</param>
internal sealed record Scenario(string Name, string Upstream, int ExpectedStatus, string? ErrorType)
{
    public string Path => "/demo/" + Name;
}

internal static class Scenarios
{
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("healthy", "A well-behaved Kestrel upstream answers 200: the control case.", 200, null),
        new("refused", "Nothing listens on the port (it was bound, then closed).", 502, "connection_refused"),
        new("reset", "Accepts the connection, reads the request, then resets it (TCP RST).", 502, "connection_terminated"),
        new("closed", "Reads the request and closes the connection without answering.", 502, "connection_terminated"),
        new("garbage", "Answers with an SSH banner instead of HTTP.", 502, "http_protocol_error"),
        new("truncated", "Announces Content-Length: 1000, sends 100 bytes and closes.", 502, "http_response_incomplete"),
        new("huge-headers", "Sends a 100 KB response header, over HttpClient's 64 KB limit.", 502, "http_response_header_section_size"),
        new("unavailable", "Answers 503 with Retry-After: 30 (configured to treat server errors as failures).", 503, "destination_unavailable"),
        new("limit", "Two concurrent calls to an upstream allowed one call in flight.", 503, "connection_limit_reached"),
        new("slow", "Answers after 5 s; the client's timeout is 2 s.", 504, "http_response_timeout"),
        new("stall", "Never sends headers; the endpoint gives up after 3 s.", 504, "http_response_timeout"),
        new("dns", "The client calls catalog.invalid, a name that never resolves (RFC 6761).", 502, "dns_error"),
    ];
}
