using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace GatewayErrors;

/// <summary>The kind of body a client asked for.</summary>
internal enum ResponseBodyKind
{
    PlainText,
    Html,
    ProblemJson,

    /// <summary>A gRPC or gRPC-Web call: a trailers-only answer with a <c>grpc-status</c> (<see cref="GrpcStatusAnswer"/>).</summary>
    Grpc,
}

/// <summary>
/// Picks the body kind: a gRPC answer for a gRPC call, else from the request's <c>Accept</c> header (RFC 9110 section 12.5.1).
/// </summary>
internal static class ContentNegotiation
{
    /// <summary>
    /// The highest-weighted media range that names HTML or JSON wins; ties go to the one listed first. A client that
    /// sends no <c>Accept</c>, only <c>*/*</c>, or a header that does not parse gets plain text: curl, scripts and
    /// monitoring probes read that best. Browsers list <c>text/html</c> explicitly.
    /// </summary>
    /// <remarks>
    /// A gRPC client sends no useful <c>Accept</c> and reads no body: its request's <c>content-type</c> says it speaks gRPC,
    /// and that decides before anything else.
    /// </remarks>
    public static ResponseBodyKind Choose(HttpRequest request)
    {
        if (GrpcStatusAnswer.ResponseContentType(request.ContentType) is not null)
        {
            return ResponseBodyKind.Grpc;
        }

        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var ranges))
        {
            return ResponseBodyKind.PlainText;
        }

        var best = ResponseBodyKind.PlainText;
        var bestQuality = 0.0;
        foreach (var range in ranges)
        {
            var kind = KindOf(range);
            var quality = range.Quality ?? 1.0;
            if (kind is { } k && quality > bestQuality)
            {
                best = k;
                bestQuality = quality;
            }
        }

        return best;
    }

    private static ResponseBodyKind? KindOf(MediaTypeHeaderValue range)
    {
        var type = range.Type;
        var subType = range.SubType;
        if (type.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            if (subType.Equals("html", StringComparison.OrdinalIgnoreCase))
            {
                return ResponseBodyKind.Html;
            }

            return subType.Equals("plain", StringComparison.OrdinalIgnoreCase) ? ResponseBodyKind.PlainText : null;
        }

        if (type.Equals("application", StringComparison.OrdinalIgnoreCase))
        {
            if (subType.Equals("xhtml+xml", StringComparison.OrdinalIgnoreCase))
            {
                return ResponseBodyKind.Html;
            }

            if (subType.Equals("json", StringComparison.OrdinalIgnoreCase)
                || subType.Equals("problem+json", StringComparison.OrdinalIgnoreCase)
                || subType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            {
                return ResponseBodyKind.ProblemJson;
            }
        }

        return null;
    }
}
