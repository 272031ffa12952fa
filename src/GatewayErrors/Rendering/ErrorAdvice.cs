namespace GatewayErrors;

/// <summary>Which part of the path visitor → this site → upstream failed.</summary>
internal enum FailedHop
{
    /// <summary>The connection from this site to the upstream: name lookup, connect, TLS, or the exchange itself.</summary>
    Connection,

    /// <summary>This site refused to send the request (a local limit), so the upstream was never asked.</summary>
    Site,

    /// <summary>The upstream itself: known to be unavailable, or it answered with its own server error.</summary>
    Upstream,
}

/// <summary>
/// The one table of plain-words advice per <see cref="GatewayErrorType"/>: where it failed, why it usually happens, what
/// a visitor can do and what the site owner should check first. The pages, the failure log entry (its first owner step), the diagnostics endpoint and docs/troubleshooting.md read it from here.
/// </summary>
/// <remarks>Kept apart from <see cref="ErrorTypes"/> (status mapping) so wording can change without touching the mapping.</remarks>
internal static class ErrorAdvice
{
    private static readonly ErrorAdviceInfo[] Table = Build();

    public static ErrorAdviceInfo Get(GatewayErrorType type)
    {
        var index = (int)type;
        return (uint)index < (uint)Table.Length ? Table[index] : Table[0];
    }

    private static ErrorAdviceInfo[] Build()
    {
        var table = new ErrorAdviceInfo[Enum.GetValues<GatewayErrorType>().Length];
        const string Reload = "Wait a minute, then reload the page.";
        const string Later = "Try again in a few minutes.";
        const string NotYou = "Nothing on your device or connection causes this, so there is nothing to change on your side.";

        Add(GatewayErrorType.HttpProtocolError, FailedHop.Connection, "Invalid response",
            "This usually means the service crashed or misbehaved while it was answering.",
            [Reload],
            [
                "Look in the upstream's logs for crashes or protocol errors at the time shown below.",
                "Check that the configured upstream address points at an HTTP server on the right port, not at another kind of service.",
                "Look for malformed status lines or headers, for example after an upgrade of the upstream or of a proxy in between.",
            ]);
        Add(GatewayErrorType.DnsError, FailedHop.Connection, "Name not found",
            "The service's name may be misconfigured, or a recent DNS change may not have reached this site yet.",
            [Later],
            [
                "Check the DNS records (A, AAAA, CNAME) of the upstream's host name, and its spelling in configuration.",
                "Check that the resolver this server uses is reachable and answering.",
                "If DNS changed recently, wait for the old records' TTL to pass or flush the resolver's cache.",
            ]);
        Add(GatewayErrorType.DnsTimeout, FailedHop.Connection, "Lookup timed out",
            "The system that turns the service's name into an address did not answer in time.",
            [Later],
            [
                "Check the health and latency of the resolver this server uses.",
                "Check that the authoritative DNS servers for the upstream's name answer quickly.",
                "Consider a local caching resolver, and review GatewayErrors:Upstreams:<name>:NameResolutionTimeout.",
            ]);
        Add(GatewayErrorType.DestinationIpUnroutable, FailedHop.Connection, "Unreachable",
            "There is a network problem between the servers, such as a routing fault or an outage.",
            [Later],
            [
                "Check routes, subnets and security groups between this server and the upstream's address.",
                "Check for packet loss or an outage between the servers (traceroute, your cloud's status page).",
                "Check that the address in configuration is the one the upstream listens on now.",
            ]);
        Add(GatewayErrorType.ConnectionRefused, FailedHop.Connection, "Refused connection",
            "The service is probably down, restarting, or in the middle of a deployment.",
            [Reload],
            [
                "Check that the upstream process is running and listening on the configured port.",
                "Check recent deploys and restarts, and the upstream's start-up logs.",
                "Check the host and port in configuration, and firewall rules that reject connections.",
            ]);
        Add(GatewayErrorType.ConnectionTimeout, FailedHop.Connection, "Connect timed out",
            "The service may be overloaded, or a firewall may be silently dropping the connection.",
            [Reload],
            [
                "Check that the upstream host is up and that firewalls, allow-lists and security groups let this server connect.",
                "Check for packet loss or high latency between the servers.",
                "Review the connect timeout, and the upstream's connection backlog under load.",
            ]);
        Add(GatewayErrorType.ConnectionTerminated, FailedHop.Connection, "Connection closed",
            "The service may have crashed, restarted or hit a limit while it was handling the request.",
            [Reload],
            [
                "Look in the upstream's logs for crashes, out-of-memory kills or restarts at the time shown below.",
                "Compare keep-alive and idle timeouts on both sides: a pooled connection the upstream already closed fails like this.",
                "Check load balancers and proxies in between for their own timeouts and connection limits.",
            ]);
        Add(GatewayErrorType.ConnectionLimitReached, FailedHop.Site, "Too busy",
            "This site limits how many requests it sends to that service at once, and that limit was reached, so your request was not sent.",
            [Reload],
            [
                "Check traffic and the upstream's latency: slow answers hold connections open and fill the limit.",
                "Review GatewayErrors:Upstreams:<name>:MaxConcurrentRequests against what the upstream can handle.",
                "Add caching, scale the upstream out, or shed load earlier with rate limiting.",
            ]);
        Add(GatewayErrorType.TlsCertificateError, FailedHop.Connection, "Certificate rejected",
            "This is a configuration problem between the servers.",
            [Later, NotYou],
            [
                "Check that the upstream's certificate has not expired and covers the host name this server connects to.",
                "Check that the upstream sends its full chain, intermediate certificates included.",
                "Check that this server trusts the issuing authority (a private CA has to be installed in its trust store).",
            ]);
        Add(GatewayErrorType.TlsProtocolError, FailedHop.Connection, "Secure connection failed",
            "This is a configuration problem between the servers.",
            [Later, NotYou],
            [
                "Check that the upstream speaks TLS on that port (or call it with http:// if it does not).",
                "Check that both sides allow a common TLS version and cipher suite.",
                "Check proxies or load balancers in between that terminate or alter TLS.",
            ]);
        Add(GatewayErrorType.HttpResponseHeaderSectionSize, FailedHop.Connection, "Headers too large",
            "The service sent more header data than this site accepts, often because of oversized cookies or tokens.",
            [Later],
            [
                "Find which response headers grew: large cookies, tokens or tracing baggage.",
                "Trim them at the upstream, or raise the client's MaxResponseHeadersLength if that size is expected.",
                "Check for a loop that keeps appending to a header.",
            ]);
        Add(GatewayErrorType.HttpResponseIncomplete, FailedHop.Connection, "Response cut short",
            "The service stopped part-way through its answer, often because it crashed or restarted.",
            [Reload],
            [
                "Look in the upstream's logs for crashes or exceptions while it was writing the response.",
                "Check that the Content-Length the upstream declares matches the body it sends.",
                "Check timeouts and buffer limits on proxies between the servers.",
            ]);
        Add(GatewayErrorType.HttpResponseTimeout, FailedHop.Connection, "Timed out",
            "The service may be overloaded, or stuck on a slow operation.",
            [Reload],
            [
                "Profile the upstream: find slow endpoints, slow database queries and blocking calls.",
                "Compare the timeout settings on both sides (HttpClient.Timeout, resilience timeouts, the upstream's own).",
                "Check the upstream's load, connection pools and thread pool; scale out or cache if it is saturated.",
            ]);
        Add(GatewayErrorType.DestinationUnavailable, FailedHop.Upstream, "Unavailable",
            "It may be down for maintenance, overloaded, or recovering from a problem.",
            [Later],
            [
                "Check the upstream's health: is it running, and did a deploy or maintenance start?",
                "Find why it was marked unavailable: the failures logged just before this one.",
                "Check its capacity: a traffic spike can keep an overloaded service failing.",
            ]);
        Add(GatewayErrorType.HttpResponseBodySize, FailedHop.Connection, "Response too large",
            "The service sent far more data than expected, often a runaway query or an export that should be streamed.",
            [Later],
            [
                "Find which request produced the oversized body (trace id below) and how large the upstream's answer was.",
                "Page, filter or stream large results instead of buffering them; read them with HttpCompletionOption.ResponseHeadersRead.",
                "Raise GatewayErrors:Upstreams:<name>:MaxResponseContentBufferSize only if bodies this large are expected.",
            ]);
        Add(GatewayErrorType.UpstreamServerError, FailedHop.Upstream, "Error",
            "The service ran into a problem of its own while handling the request.",
            [Later],
            [
                "Look in the upstream's error logs for the trace id shown below.",
                "Check its dependencies (database connections, queues) and its memory use.",
                "Check recent deploys or configuration changes of the upstream, and roll back if needed.",
            ]);

        foreach (var info in table)
        {
            if (info is null)
            {
                throw new InvalidOperationException("Every GatewayErrorType needs an entry in the error advice table.");
            }
        }

        return table;

        void Add(GatewayErrorType type, FailedHop hop, string hopState, string cause, string[] visitor, string[] owner)
            => table[(int)type] = new ErrorAdviceInfo(type, hop, hopState, cause, visitor, owner);
    }
}

/// <summary>The advice for one error type.</summary>
/// <param name="Type">The error type.</param>
/// <param name="Hop">Which hop failed.</param>
/// <param name="HopState">A two- or three-word label for the failed hop, shown in the hop diagram ("Timed out").</param>
/// <param name="Cause">One plain sentence on why this usually happens, safe to show anyone.</param>
/// <param name="Visitor">What a visitor can do, in order; the first item says when to retry.</param>
/// <param name="Owner">The first things the site owner should check, in order.</param>
internal sealed record ErrorAdviceInfo(
    GatewayErrorType Type, FailedHop Hop, string HopState, string Cause, IReadOnlyList<string> Visitor, IReadOnlyList<string> Owner);
