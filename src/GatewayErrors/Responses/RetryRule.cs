using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>
/// Whether sending the same request again can help: the rule behind problem details' <c>retryable</c> member, the
/// page's automatic retry rule without the page's own limits.
/// </summary>
/// <remarks>
/// Two conditions, both needed. The failure is transient: the error type's advice is to wait and reload (a refused or
/// reset connection, a timeout, a local limit), or the answer says when to come back (<c>Retry-After</c>: an open circuit,
/// maintenance with an end). And the method is idempotent (RFC 9110 section 9.2.2: GET, HEAD, OPTIONS, TRACE, PUT,
/// DELETE), so a second attempt cannot do twice what the first may already have done upstream. The page retries only
/// GET and HEAD by itself and only up to its maximum delay; an API client decides its own waits.
/// </remarks>
internal static class RetryRule
{
    public static bool IsRetryable(ErrorResponse error)
        => IsIdempotent(error.Method) && (error.Type.WaitAndReload || error.RetryAfter is not null);

    public static bool IsIdempotent(string method)
        => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method)
            || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);
}
