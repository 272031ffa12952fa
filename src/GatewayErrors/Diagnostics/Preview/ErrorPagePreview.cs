using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace GatewayErrors;

/// <summary>
/// The error-page preview: with a query (<c>?type=connection_refused&amp;status=502&amp;theme=console&amp;lang=ar&amp;method=POST</c>)
/// the page a visitor would get, rendered by the app's own renderer and templates with sample values; without one, a
/// gallery linking every combination. Answers 404 where <see cref="DiagnosticsEndpoint.IsEnabled"/> says so.
/// </summary>
/// <remarks>
/// The page goes through <see cref="ErrorPageRenderer.Render(ErrorResponse, string?)"/>, never the page cache, so a preview
/// neither fills nor reads what visitors are served. Nothing from the request reaches the page: the path, trace id, time
/// and upstream are samples (<see cref="PageModel.SampleResponse"/>); only the app's CSP nonce callback sees the request,
/// as it must for the page's script to run under the app's policy.
/// </remarks>
internal static class ErrorPagePreview
{
    /// <summary>The query parameters, in the order the gallery writes them.</summary>
    internal static readonly IReadOnlyList<string> Parameters = ["type", "status", "theme", "lang", "set", "method", "upstream", "notice"];

    // The upstream a preview names when the query does not pick a configured one (the name the samples use).
    private const string SampleUpstream = "catalog";

    public static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptionsMonitor<GatewayErrorsOptions>>().CurrentValue;
        var response = context.Response;
        if (!DiagnosticsEndpoint.IsEnabled(services, options))
        {
            // 404 rather than 403, as the diagnostics endpoint: outside Development nothing reveals that it exists.
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var renderer = services.GetRequiredService<ErrorPageRenderer>();
        var catalog = PreviewCatalog.Create(renderer, options);
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        response.Headers.XContentTypeOptions = "nosniff";

        if (context.Request.Query.Count == 0)
        {
            response.ContentType = HtmlErrorPage.ContentType;
            await response.WriteAsync(PreviewGallery.Render(catalog, context.Request.PathBase.Add(context.Request.Path)), context.RequestAborted)
                .ConfigureAwait(false);
            return;
        }

        if (!TryRead(context.Request.Query, catalog, options, out var request, out var problem))
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            response.ContentType = PlainTextBody.ContentType;
            await response.WriteAsync(problem + "\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var error = SampleError(request, catalog, options, context);
        var html = catalog.Render(error, request.Theme);
        response.ContentType = HtmlErrorPage.ContentType;
        response.Headers.ContentLanguage = error.Texts!.Language;
        await response.WriteAsync(html, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the query; every parameter is optional (a type's status defaults to the one the app answers it with) and
    /// must name something the app has. <paramref name="problem"/> quotes a bad value percent-encoded, never as it came.
    /// </summary>
    internal static bool TryRead(IQueryCollection query, PreviewCatalog catalog, GatewayErrorsOptions options, out PreviewRequest request, out string problem)
    {
        request = default;
        foreach (var (name, values) in query)
        {
            if (!Parameters.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                problem = $"Unknown query parameter '{Quote(name)}'. Use {string.Join(", ", Parameters)}.";
                return false;
            }

            if (values.Count > 1)
            {
                problem = $"The query parameter '{name}' is given {values.Count} times; give it once.";
                return false;
            }
        }

        var type = GatewayErrorType.ConnectionRefused;
        if (Value(query, "type") is { } typeName)
        {
            if (ErrorTaxonomy.All.FirstOrDefault(row => row.Name.Equals(typeName, StringComparison.OrdinalIgnoreCase)) is not { } row)
            {
                problem = $"'{Quote(typeName)}' is not an error type. Use one of: {string.Join(", ", ErrorTaxonomy.All.Select(static r => r.Name))}.";
                return false;
            }

            type = row.Type;
        }

        var status = ErrorTaxonomy.StatusFor(options, type);
        if (Value(query, "status") is { } statusText)
        {
            if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out status) || status is < 400 or > 599)
            {
                problem = $"'{Quote(statusText)}' is not an error status. Use a number from 400 to 599.";
                return false;
            }
        }

        var theme = catalog.ConfiguredTheme;
        if (Value(query, "theme") is { } themeName)
        {
            if (catalog.Themes.FirstOrDefault(t => t.Equals(themeName, StringComparison.OrdinalIgnoreCase)) is not { } known)
            {
                problem = $"'{Quote(themeName)}' is not a theme. Use one of: {string.Join(", ", catalog.Themes)}.";
                return false;
            }

            theme = known;
        }

        var language = PageCultures.Fallback;
        if (Value(query, "lang") is { } tag)
        {
            if (catalog.Languages.FirstOrDefault(l => l.Equals(tag, StringComparison.OrdinalIgnoreCase)) is not { } served)
            {
                problem = $"'{Quote(tag)}' is not a language this app serves. Use one of: {string.Join(", ", catalog.Languages)}.";
                return false;
            }

            language = served;
        }

        string? set = null;
        if (Value(query, "set") is { } setName)
        {
            if (catalog.PageSets.FirstOrDefault(s => s.Equals(setName, StringComparison.OrdinalIgnoreCase)) is not { } found)
            {
                problem = catalog.PageSets.Count == 0
                    ? $"'{Quote(setName)}' is not a page set: this app has none."
                    : $"'{Quote(setName)}' is not a page set. Use one of: {string.Join(", ", catalog.PageSets)}.";
                return false;
            }

            set = found;
        }

        var method = "GET";
        if (Value(query, "method") is { } methodName)
        {
            if (!methodName.Equals("GET", StringComparison.OrdinalIgnoreCase) && !methodName.Equals("POST", StringComparison.OrdinalIgnoreCase))
            {
                problem = $"'{Quote(methodName)}' is not a method the preview shows. Use GET or POST.";
                return false;
            }

            method = methodName.ToUpperInvariant();
        }

        string? upstream = null;
        if (Value(query, "upstream") is { } upstreamName)
        {
            if (options.Upstreams.Keys.FirstOrDefault(u => u.Equals(upstreamName, StringComparison.OrdinalIgnoreCase)) is not { } configured)
            {
                problem = options.Upstreams.Count == 0
                    ? $"'{Quote(upstreamName)}' is not a configured upstream: GatewayErrors:Upstreams is empty."
                    : $"'{Quote(upstreamName)}' is not a configured upstream. Use one of: {string.Join(", ", options.Upstreams.Keys.Select(Quote))}.";
                return false;
            }

            upstream = configured;
        }

        var sampleNotice = false;
        if (Value(query, "notice") is { } notice)
        {
            if (!notice.Equals("sample", StringComparison.OrdinalIgnoreCase))
            {
                problem = $"'{Quote(notice)}' is not a notice the preview shows. Use notice=sample, or leave it out for the configured notice.";
                return false;
            }

            sampleNotice = true;
        }

        request = new PreviewRequest(type, status, theme, language, set, method, upstream, sampleNotice);
        problem = "";
        return true;
    }

    /// <summary>
    /// The response the page is rendered from: sample request values, and the app's own configuration for everything a
    /// visitor would see from it (upstream display name, notice, exposed details, CSP nonce).
    /// </summary>
    private static ErrorResponse SampleError(PreviewRequest request, PreviewCatalog catalog, GatewayErrorsOptions options, HttpContext context)
    {
        var sample = PageModel.SampleResponse(request.Type, request.Status, request.Method, hostile: false);
        var upstream = request.Upstream ?? SampleUpstream;
        var expose = options.ExposeDetails == true;
        return new ErrorResponse
        {
            StatusCode = sample.StatusCode,
            ReasonPhrase = sample.ReasonPhrase,
            Type = sample.Type,
            UpstreamDisplayName = UpstreamSettings.DisplayName(options, upstream),
            TraceId = sample.TraceId,
            Timestamp = sample.Timestamp,
            Method = sample.Method,
            Path = sample.Path,
            RetryAfter = sample.RetryAfter,
            NextHop = expose ? sample.NextHop : null,
            Detail = expose ? sample.Detail : null,
            Notice = request.SampleNotice ? sample.Notice : options.Resolved.NoticeFor(upstream),
            Texts = catalog.TextsOf(request.Language),
            PageSet = request.PageSet,
            CspNonce = options.CspNonce?.Invoke(context),
        };
    }

    private static string? Value(IQueryCollection query, string name)
        => query.TryGetValue(name, out var values) && values is [{ } value] ? value : null;

    /// <summary>A value from the query as the answer may quote it: percent-encoded, and cut short.</summary>
    private static string Quote(string value)
    {
        var end = Math.Min(value.Length, 64);
        if (end < value.Length && char.IsHighSurrogate(value[end - 1]))
        {
            end--;
        }

        return Uri.EscapeDataString(value[..end]) + (end < value.Length ? "..." : "");
    }
}

/// <summary>One page the preview renders: what its query asked for, checked against what the app has.</summary>
internal readonly record struct PreviewRequest(
    GatewayErrorType Type, int Status, string Theme, string Language, string? PageSet, string Method, string? Upstream, bool SampleNotice);
