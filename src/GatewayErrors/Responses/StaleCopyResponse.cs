using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace GatewayErrors;

/// <summary>
/// Writes a kept copy as the answer to a failed request: its status, its headers (filtered again, wherever the copy came
/// from), its body, and the headers that say it is stale: <c>Age</c> (RFC 9111 section 5.1), <c>Cache-Status</c> (RFC 9211)
/// and <c>Proxy-Status</c> naming the failure it stands in for (RFC 9209).
/// </summary>
internal static class StaleCopyResponse
{
    /// <summary>How writing the copy ended: whether anything was sent, and the failure that cut it short, if any.</summary>
    /// <param name="Started">False when the server refused one of the copy's headers: nothing was sent, another answer is still possible.</param>
    /// <param name="Failure">Set when writing the body failed after the status line was out: only an abort is left.</param>
    public readonly record struct Result(bool Started, Exception? Failure);

    public static async Task<Result> WriteAsync(HttpContext context, StaleCopy copy, UpstreamFailure failure, ResolvedOptions options, DateTimeOffset now,
        CancellationToken aborted)
    {
        var response = context.Response;
        var type = ErrorTaxonomy.Get(failure.ErrorType);
        var age = copy.AgeSeconds(now);
        try
        {
            response.Clear();
            response.StatusCode = copy.StatusCode;
            var headers = response.Headers;
            foreach (var (name, values) in copy.Headers)
            {
                // A copy read back from a shared cache is as trustworthy as whoever can write to that cache.
                if (StaleCopy.MayReplay(name))
                {
                    headers[name] = values;
                }
            }

            headers.Age = ProxyStatusHeader.Seconds(age);

            // RFC 9211: this cache's member goes after any from caches nearer the origin; a negative ttl says how stale.
            Append(headers, "Cache-Status", CacheStatus(options.ProxyName, copy.TtlSeconds(now)));
            Append(headers, ProxyStatusHeader.Name, options.ProxyStatus(type));
            response.ContentLength = copy.Body.Length;
        }
        catch (InvalidOperationException)
        {
            // A header the server refuses (a copy from another version, say): the error is still a correct answer.
            response.Clear();
            return new(Started: false, null);
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return new(Started: true, null);
        }

        try
        {
            await response.Body.WriteAsync(copy.Body, aborted).ConfigureAwait(false);
            return new(Started: true, null);
        }
        catch (Exception exception) when (!aborted.IsCancellationRequested)
        {
            return new(Started: true, exception);
        }
        catch (Exception)
        {
            // The client left while the copy was written: nobody to tell.
            return new(Started: true, null);
        }
    }

    private static string CacheStatus(string proxyName, long ttl)
    {
        var builder = new StringBuilder(proxyName.Length + 40);
        ProxyStatusHeader.AppendItem(builder, proxyName);
        return builder.Append("; hit; ttl=").Append(ttl).ToString();
    }

    private static void Append(IHeaderDictionary headers, string name, string member)
        => headers[name] = headers.TryGetValue(name, out var existing) && !StringValues.IsNullOrEmpty(existing)
            ? string.Concat(existing.ToString(), ", ", member)
            : member;
}
