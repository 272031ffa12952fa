using System.Diagnostics.CodeAnalysis;

namespace GatewayErrors;

/// <summary>
/// The one table of what each <see cref="GatewayErrorType"/> means: one <see cref="ErrorTypeInfo"/> row per type with its
/// RFC 9209 token, recommended status, failed hop, and the advice for visitors and site owners.
/// </summary>
/// <remarks>
/// <para>
/// The visitor-facing words (title, summary, cause, hop label, advice) are not here: they live in the resources
/// (Localization/GatewayErrorPages.resx is the English, the one source of it), under keys the row names
/// (<c>connection_refused.title</c>), so every language reads them the same way.
/// </para>
/// <para>
/// Recommended statuses are the ones RFC 9209 section 2.3 gives; <see cref="StatusFor"/> applies the app's
/// <c>GatewayErrors:StatusCodes</c> overrides on top of them. A type without a row, or a value the enum does not define,
/// is a bug or a misuse and fails loudly with its name rather than turning into a generic type.
/// </para>
/// </remarks>
internal static class ErrorTaxonomy
{
    // Indexed by the enum's value only as a lookup: each slot holds a whole row, and Build checks that every slot is filled.
    private static readonly ErrorTypeInfo[] Table = Build(Rows());

    /// <summary>Gets the number of error types (and rows).</summary>
    public static int Count => Table.Length;

    /// <summary>Gets every row, in the order of the enum's values.</summary>
    public static IReadOnlyList<ErrorTypeInfo> All => Table;

    /// <summary>Gets the row of an error type.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="GatewayErrorType"/>.</exception>
    public static ErrorTypeInfo Get(GatewayErrorType type)
    {
        var index = (int)type;
        if ((uint)index >= (uint)Table.Length)
        {
            ThrowUndefined(type);
        }

        return Table[index];
    }

    /// <summary>Whether <paramref name="type"/> is a value the enum defines (and so has a row).</summary>
    public static bool IsDefined(GatewayErrorType type) => (uint)(int)type < (uint)Table.Length;

    /// <summary>The status to answer a type with: the app's override from <c>GatewayErrors:StatusCodes</c>, else the row's.</summary>
    public static int StatusFor(GatewayErrorsOptions options, GatewayErrorType type)
        => options.StatusCodes.Count > 0 && options.StatusCodes.TryGetValue(type, out var status)
            ? status
            : Get(type).RecommendedStatus;

    [DoesNotReturn]
    internal static void ThrowUndefined(GatewayErrorType type, string? paramName = "type")
        => throw new ArgumentOutOfRangeException(paramName, (int)type,
            $"{(int)type} is not a defined GatewayErrorType; use one of {string.Join(", ", Enum.GetNames<GatewayErrorType>())}.");

    /// <summary>Puts the rows in enum order and checks that every type has exactly one, naming any that does not.</summary>
    internal static ErrorTypeInfo[] Build(IEnumerable<ErrorTypeInfo> rows)
    {
        var values = Enum.GetValues<GatewayErrorType>();
        var table = new ErrorTypeInfo?[values.Length];
        foreach (var row in rows)
        {
            var index = (int)row.Type;
            if ((uint)index >= (uint)table.Length || values[index] != row.Type)
            {
                throw new InvalidOperationException($"The error taxonomy has a row for {(int)row.Type}, which is not a GatewayErrorType value.");
            }

            if (table[index] is not null)
            {
                throw new InvalidOperationException($"The error taxonomy has two rows for GatewayErrorType.{row.Type}.");
            }

            table[index] = row;
        }

        var missing = values.Where(value => table[(int)value] is null).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"The error taxonomy has no row for GatewayErrorType.{string.Join(", GatewayErrorType.", missing)}: every error type needs one (src/GatewayErrors/Taxonomy/ErrorTaxonomy.cs).");
        }

        return table!;
    }

    private static IEnumerable<ErrorTypeInfo> Rows()
    {
        // The visitor's advice is a few sentences shared by many types: the rows name their resource keys.
        const string Reload = ErrorTypeInfo.ReloadAdvice;
        const string Later = "advice.later";
        const string NotYou = "advice.notYou";

        return
        [
            Row(GatewayErrorType.HttpProtocolError, "http_protocol_error", 502, FailedHop.Connection,
                visitor: [Reload],
                owner:
                [
                    "Look in the upstream's logs for crashes or protocol errors at the time shown below.",
                    "Check that the configured upstream address points at an HTTP server on the right port, not at another kind of service.",
                    "Look for malformed status lines or headers, for example after an upgrade of the upstream or of a proxy in between.",
                ]),
            Row(GatewayErrorType.DnsError, "dns_error", 502, FailedHop.Connection,
                visitor: [Later],
                owner:
                [
                    "Check the DNS records (A, AAAA, CNAME) of the upstream's host name, and its spelling in configuration.",
                    "Check that the resolver this server uses is reachable and answering.",
                    "If DNS changed recently, wait for the old records' TTL to pass or flush the resolver's cache.",
                ]),
            Row(GatewayErrorType.DnsTimeout, "dns_timeout", 504, FailedHop.Connection,
                visitor: [Later],
                owner:
                [
                    "Check the health and latency of the resolver this server uses.",
                    "Check that the authoritative DNS servers for the upstream's name answer quickly.",
                    "Consider a local caching resolver, and review the client's ConnectTimeout and this upstream's NameResolutionTimeout (its entry under GatewayErrors:Upstreams).",
                ]),
            Row(GatewayErrorType.DestinationIpUnroutable, "destination_ip_unroutable", 502, FailedHop.Connection,
                visitor: [Later],
                owner:
                [
                    "Check routes, subnets and security groups between this server and the upstream's address.",
                    "Check for packet loss or an outage between the servers (traceroute, your cloud's status page).",
                    "Check that the address in configuration is the one the upstream listens on now.",
                ]),
            Row(GatewayErrorType.ConnectionRefused, "connection_refused", 502, FailedHop.Connection,
                visitor: [Reload],
                owner:
                [
                    "Check that the upstream process is running and listening on the configured port.",
                    "Check recent deploys and restarts, and the upstream's start-up logs.",
                    "Check the host and port in configuration, and firewall rules that reject connections.",
                ]),
            Row(GatewayErrorType.ConnectionTimeout, "connection_timeout", 504, FailedHop.Connection,
                visitor: [Reload],
                owner:
                [
                    "Check that the upstream host is up and that firewalls, allow-lists and security groups let this server connect.",
                    "Check for packet loss or high latency between the servers.",
                    "Review the connect timeout, and the upstream's connection backlog under load.",
                ]),
            Row(GatewayErrorType.ConnectionTerminated, "connection_terminated", 502, FailedHop.Connection,
                visitor: [Reload],
                owner:
                [
                    "Look in the upstream's logs for crashes, out-of-memory kills or restarts at the time shown below.",
                    "Compare keep-alive and idle timeouts on both sides: a pooled connection the upstream already closed fails like this.",
                    "Check load balancers and proxies in between for their own timeouts and connection limits.",
                ]),
            Row(GatewayErrorType.ConnectionLimitReached, "connection_limit_reached", 503, FailedHop.Site,
                visitor: [Reload],
                owner:
                [
                    "Check traffic and the upstream's latency: slow answers hold connections open and fill the limit.",
                    "Review this upstream's MaxConcurrentRequests (its entry under GatewayErrors:Upstreams) against what the upstream can handle.",
                    "Add caching, scale the upstream out, or shed load earlier with rate limiting.",
                ]),
            Row(GatewayErrorType.TlsCertificateError, "tls_certificate_error", 502, FailedHop.Connection,
                visitor: [Later, NotYou],
                owner:
                [
                    "Check that the upstream's certificate has not expired and covers the host name this server connects to.",
                    "Check that the upstream sends its full chain, intermediate certificates included.",
                    "Check that this server trusts the issuing authority (a private CA has to be installed in its trust store).",
                ]),
            Row(GatewayErrorType.TlsProtocolError, "tls_protocol_error", 502, FailedHop.Connection,
                visitor: [Later, NotYou],
                owner:
                [
                    "Check that the upstream speaks TLS on that port (or call it with http:// if it does not).",
                    "Check that both sides allow a common TLS version and cipher suite.",
                    "Check proxies or load balancers in between that terminate or alter TLS.",
                ]),
            Row(GatewayErrorType.HttpResponseHeaderSectionSize, "http_response_header_section_size", 502, FailedHop.Connection,
                visitor: [Later],
                owner:
                [
                    "Find which response headers grew: large cookies, tokens or tracing baggage.",
                    "Trim them at the upstream, or raise the client's MaxResponseHeadersLength if that size is expected.",
                    "Check for a loop that keeps appending to a header.",
                ]),
            Row(GatewayErrorType.HttpResponseIncomplete, "http_response_incomplete", 502, FailedHop.Connection,
                visitor: [Reload],
                owner:
                [
                    "Look in the upstream's logs for crashes or exceptions while it was writing the response.",
                    "Check that the Content-Length the upstream declares matches the body it sends.",
                    "Check timeouts and buffer limits on proxies between the servers.",
                ]),
            Row(GatewayErrorType.HttpResponseTimeout, "http_response_timeout", 504, FailedHop.Connection,
                visitor: [Reload],
                owner:
                [
                    "Profile the upstream: find slow endpoints, slow database queries and blocking calls.",
                    "Compare the timeout settings on both sides (HttpClient.Timeout, resilience timeouts, the upstream's own).",
                    "Check the upstream's load, connection pools and thread pool; scale out or cache if it is saturated.",
                ]),
            Row(GatewayErrorType.DestinationUnavailable, "destination_unavailable", 503, FailedHop.Upstream,
                visitor: [Later],
                owner:
                [
                    "Check the upstream's health: is it running, and did a deploy or maintenance start?",
                    "Find out why: maintenance switched on in its configuration (Maintenance, in its entry under GatewayErrors:Upstreams), a circuit that earlier failures opened (each was logged when it happened), or a 503 the upstream sent itself.",
                    "Check its capacity: a traffic spike can keep an overloaded service failing.",
                ]),
            Row(GatewayErrorType.HttpResponseBodySize, "http_response_body_size", 502, FailedHop.Connection,
                visitor: [Later],
                owner:
                [
                    "Find which request produced the oversized body (trace id below) and how large the upstream's answer was.",
                    "Page, filter or stream large results instead of buffering them; read them with HttpCompletionOption.ResponseHeadersRead.",
                    "Raise this upstream's MaxResponseContentBufferSize (its entry under GatewayErrors:Upstreams) only if bodies this large are expected.",
                ]),
            Row(GatewayErrorType.UpstreamServerError, null, 502, FailedHop.Upstream,
                visitor: [Later],
                owner:
                [
                    "Look in the upstream's error logs for the trace id shown below.",
                    "Check its dependencies (database connections, queues) and its memory use.",
                    "Check recent deploys or configuration changes of the upstream, and roll back if needed.",
                ]),
        ];

        static ErrorTypeInfo Row(GatewayErrorType type, string? token, int status, FailedHop hop, string[] visitor, string[] owner)
            => new()
            {
                Type = type,
                Token = token,
                RecommendedStatus = status,
                Hop = hop,
                VisitorAdviceKeys = visitor,
                OwnerAdvice = owner,
            };
    }
}
