using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace GatewayErrors;

/// <summary>
/// The gRPC status codes a gateway error is answered with (the numbers of gRPC's <c>statuscodes.md</c>). GatewayErrors
/// does not depend on the gRPC packages, so it keeps its own copy of the few it uses.
/// </summary>
internal enum GrpcStatusCode
{
    /// <summary><c>DEADLINE_EXCEEDED</c>: the call did not complete in time.</summary>
    DeadlineExceeded = 4,

    /// <summary><c>RESOURCE_EXHAUSTED</c>: a quota or limit ran out.</summary>
    ResourceExhausted = 8,

    /// <summary><c>UNAVAILABLE</c>: the service cannot be reached now; usually transient.</summary>
    Unavailable = 14,
}

/// <summary>
/// The answer to a gRPC or gRPC-Web request whose upstream failed: a trailers-only response as gRPC over HTTP/2 defines it
/// (HTTP 200, <c>content-type</c>, <c>grpc-status</c> and <c>grpc-message</c> in the one header block, no body), so a gRPC
/// client reads a precise status instead of guessing one from a 502, 503 or 504 it never reads the body of.
/// </summary>
/// <remarks>
/// <para>
/// <c>Proxy-Status</c> is written by the caller as on every gateway error, and a gRPC client reads it as a trailer:
/// the RFC 9209 type stays machine-readable. <c>grpc-message</c> is the localized title, as problem details' <c>title</c>
/// is; nothing from the hidden details goes in it.
/// </para>
/// <para>
/// The mapping from error type to status is <see cref="StatusFor"/>; docs/grpc.md has the table and the reasons.
/// </para>
/// </remarks>
internal static class GrpcStatusAnswer
{
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";

    /// <summary>gRFC A6: the server's retry pushback, in milliseconds, which a client's retry policy honours.</summary>
    public const string RetryPushbackHeader = "grpc-retry-pushback-ms";

    /// <summary>The RFC 9209 type, as a gRPC trailer (metadata keys are lowercase).</summary>
    public const string ProxyStatusTrailer = "proxy-status";

    private const string GrpcContentType = "application/grpc";
    private const string GrpcWebContentType = "application/grpc-web";
    private const string GrpcWebTextContentType = "application/grpc-web-text";

    /// <summary>
    /// The content type to answer <paramref name="requestContentType"/> with, when it is gRPC (<c>application/grpc</c>, with
    /// any <c>+proto</c> or <c>+json</c> suffix) or gRPC-Web (<c>application/grpc-web</c> or <c>application/grpc-web-text</c>,
    /// with any suffix); <see langword="null"/> for anything else.
    /// </summary>
    public static string? ResponseContentType(string? requestContentType)
    {
        if (requestContentType is null || !requestContentType.StartsWith(GrpcContentType, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Longest first: application/grpc is a prefix of the other two.
        return Matches(requestContentType, GrpcWebTextContentType) ? GrpcWebTextContentType
            : Matches(requestContentType, GrpcWebContentType) ? GrpcWebContentType
            : Matches(requestContentType, GrpcContentType) ? GrpcContentType
            : null;

        // The type itself, or the type followed by a suffix (+proto) or parameters (; charset=...): not application/grpcx.
        static bool Matches(string value, string type)
            => value.StartsWith(type, StringComparison.OrdinalIgnoreCase)
                && (value.Length == type.Length || value[type.Length] is '+' or ';' or ' ');
    }

    /// <summary>
    /// The status a gateway error is answered with. Timeouts are <c>DEADLINE_EXCEEDED</c>, so a client can tell them from a
    /// refused connection; a local limit is <c>RESOURCE_EXHAUSTED</c>, as gRPC itself reports its own limits; everything
    /// else (the upstream could not be reached, answered badly, or is known to be unavailable) is <c>UNAVAILABLE</c>, what
    /// gRPC clients already map a 502, 503 or 504 to.
    /// </summary>
    public static GrpcStatusCode StatusFor(GatewayErrorType type) => type switch
    {
        GatewayErrorType.DnsTimeout or GatewayErrorType.ConnectionTimeout or GatewayErrorType.HttpResponseTimeout => GrpcStatusCode.DeadlineExceeded,
        GatewayErrorType.ConnectionLimitReached => GrpcStatusCode.ResourceExhausted,
        GatewayErrorType.HttpProtocolError or GatewayErrorType.DnsError or GatewayErrorType.DestinationIpUnroutable
            or GatewayErrorType.ConnectionRefused or GatewayErrorType.ConnectionTerminated or GatewayErrorType.TlsCertificateError
            or GatewayErrorType.TlsProtocolError or GatewayErrorType.HttpResponseHeaderSectionSize or GatewayErrorType.HttpResponseIncomplete
            or GatewayErrorType.DestinationUnavailable or GatewayErrorType.UpstreamServerError
            or GatewayErrorType.HttpResponseBodySize => GrpcStatusCode.Unavailable,

        // Not a defined type: the error path never throws, and UNAVAILABLE is what a client would make of a 502 anyway.
        _ => GrpcStatusCode.Unavailable,
    };

    /// <summary>The <c>grpc-message</c>: the title in the response's language (English without the request's texts).</summary>
    public static string Message(ErrorResponse error) => PercentEncode(Title(error.Type, error.Texts));

    /// <summary>The status detail before encoding: the type's title in <paramref name="texts"/>' language, else English.</summary>
    public static string Title(ErrorTypeInfo type, PageTexts? texts) => texts?.For(type.Type).Title ?? type.EnglishTitle;

    /// <summary>
    /// The <c>Proxy-Status</c> value of a failure, as every gateway error carries it: the next hop and the cause's message
    /// only where <see cref="GatewayErrorsOptions.ExposeDetails"/> allows.
    /// </summary>
    public static string ProxyStatus(GatewayErrorsOptions options, UpstreamFailure failure)
    {
        var type = ErrorTaxonomy.Get(failure.ErrorType);
        var proxy = options.ProxyName ?? "gateway";
        if (options.ExposeDetails != true)
        {
            return failure.ReceivedStatusCode is null ? options.Resolved.ProxyStatus(type) : ProxyStatusHeader.Format(proxy, type, failure.ReceivedStatusCode, null, null);
        }

        return ProxyStatusHeader.Format(proxy, type, failure.ReceivedStatusCode, failure.NextHop, ExceptionChain.Cause(failure.Exception)?.Message);
    }

    /// <summary>The <c>grpc-retry-pushback-ms</c> value for a known wait (rounded up, so a client never retries early).</summary>
    public static string? RetryPushback(TimeSpan? retryAfter)
        => retryAfter is { } wait ? ((long)Math.Ceiling(Math.Max(0, wait.TotalMilliseconds))).ToString(CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// Turns the response the caller prepared (status, <c>Proxy-Status</c>, cache headers) into a trailers-only gRPC answer.
    /// Writes no body: with nothing written, Kestrel ends the HTTP/2 stream on the header block.
    /// </summary>
    public static void Write(HttpContext context, ErrorResponse error)
    {
        var response = context.Response;
        var headers = response.Headers;
        var contentType = ResponseContentType(context.Request.ContentType) ?? GrpcContentType;

        // gRPC over HTTP/2: a call's outcome is its grpc-status; the HTTP status of a response a server sends is 200.
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        headers[StatusHeader] = ((int)StatusFor(error.Type.Type)).ToString(CultureInfo.InvariantCulture);
        headers[MessageHeader] = Message(error);

        // The pushback says the same as Retry-After, in the form gRPC clients read; Retry-After on a 200 would mean nothing.
        headers.Remove(HeaderNames.RetryAfter);
        if (RetryPushback(error.RetryAfter) is { } pushback)
        {
            headers[RetryPushbackHeader] = pushback;
        }
    }

    /// <summary>
    /// Percent-encodes a <c>grpc-message</c> as gRPC over HTTP/2 requires: UTF-8, then every byte outside printable ASCII
    /// (<c>%x20-%x7E</c>), and <c>%</c> itself, as <c>%XX</c>. An ASCII title comes back as the same string.
    /// </summary>
    public static string PercentEncode(string message)
    {
        var plain = true;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexUpper[b >> 4]).Append(HexUpper[b & 0xF]);
            }
        }

        return builder.ToString();
    }

    private const string HexUpper = "0123456789ABCDEF";
}
