using System.Text;
using Scriban.Runtime;

namespace GatewayErrors;

/// <summary>
/// Builds what a page template sees: a <see cref="ScriptObject"/> made by hand for each render, holding plain strings,
/// numbers, booleans and other such objects; no CLR object is reachable from a template. Every variable is documented in
/// docs/themes-and-templates.md.
/// </summary>
/// <remarks>
/// Values are the raw text; <see cref="PageTemplateContext"/> HTML-encodes them when a template writes them. The few
/// values that are markup (the links inside a sentence, the page script, <c>body</c>) are <see cref="TrustedHtml"/>
/// built here from encoded parts. The request path is percent-encoded, so it is safe as a URL too.
/// </remarks>
internal static class PageModel
{
    /// <summary>
    /// The model for a response, with <see cref="RequestField"/> stand-ins for the values that change per request when
    /// <paramref name="sentinels"/> is set, so the rendered page can be split around them and cached.
    /// </summary>
    public static ScriptObject Create(ErrorResponse error, PageBranding branding, PageTexts texts, GatewayErrorAutoRetryOptions retry, bool sentinels = false)
    {
        var row = error.Type;
        var type = texts.For(row.Type);
        var siteName = branding.SiteName ?? texts.ThisSite;
        var mode = AutoRetryPolicy.ModeFor(error, type, retry);
        var model = new ScriptObject(64)
        {
            ["status_code"] = error.StatusCode,
            ["reason_phrase"] = error.ReasonPhrase,
            ["title"] = type.Title,
            ["summary"] = type.Summary,
            ["cause"] = type.Cause,
            ["error_type"] = row.Name,
            ["upstream"] = error.UpstreamDisplayName,
            ["failed_hop"] = row.Hop switch
            {
                FailedHop.Site => "site",
                FailedHop.Upstream => "upstream",
                _ => "connection",
            },
            ["hop_state"] = type.HopState,
            ["where"] = texts.Where(row.Hop, error.UpstreamDisplayName),
            ["hops"] = Hops(row, type, texts, siteName, error.UpstreamDisplayName),
            ["visitor_advice"] = Array(type.VisitorAdvice),
            ["owner_steps"] = Array(row.OwnerAdvice),
            ["auto_retry"] = mode == RetryMode.Automatic,
            ["retry_not_resent"] = mode == RetryMode.NotResent,
            ["retry_max_wait_seconds"] = (long)Math.Ceiling(retry.MaxDelay.TotalSeconds),
            ["retry_max_attempts"] = retry.MaxAttempts,
            ["retry_script"] = mode == RetryMode.None ? null : RetryScript,
            ["lang"] = texts.Language,
            ["dir"] = texts.Direction,
            ["text"] = Text(texts, branding),
            ["next_hop"] = error.NextHop,
            ["detail"] = error.Detail,
            ["notice"] = Notice(error.Notice),
            ["body"] = null,
        };
        branding.AddTo(model, siteName);

        var inputs = new PageInputs(error, texts, type, retry);
        foreach (var field in RequestField.All)
        {
            model[field.Name] = sentinels && field.IsPresent(error) ? field.Sentinel : field.Value(inputs);
        }

        return model;
    }

    /// <summary>The names of the model's variables, top level, then those of a hop and of the notice: what the docs must list.</summary>
    public static IEnumerable<string> VariableNames()
    {
        var model = Sample(GatewayErrorType.ConnectionRefused, 502, "GET", PageBranding.From(new GatewayErrorsOptions()),
            PageTexts.Create(PageCultures.Fallback, null), hostile: false);
        var hop = (ScriptObject)((ScriptArray)model["hops"]!)[0]!;
        var notice = (ScriptObject)model["notice"]!;
        return model.Keys.Concat(hop.Keys).Concat(notice.Keys).Distinct(StringComparer.Ordinal);
    }

    /// <summary>
    /// A representative model for checking a template (at start-up and on reload) and for the docs: a request that
    /// retries by itself when it is a GET, with a notice, details and a Retry-After. With <paramref name="hostile"/>, every
    /// value that can come from a request, an upstream or an exception is hostile: markup, quotes, a <c>javascript:</c>
    /// URL, right-to-left overrides and 10 KB strings.
    /// </summary>
    public static ScriptObject Sample(GatewayErrorType type, int status, string method, PageBranding branding, PageTexts texts, bool hostile)
        => Create(SampleResponse(type, status, method, hostile), branding, texts, new GatewayErrorAutoRetryOptions());

    /// <summary>The response <see cref="Sample"/> renders.</summary>
    public static ErrorResponse SampleResponse(GatewayErrorType type, int status, string method, bool hostile) => new()
    {
        StatusCode = status,
        ReasonPhrase = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
        Type = ErrorTaxonomy.Get(type),
        UpstreamDisplayName = hostile ? HostileValue : "catalog",
        TraceId = hostile ? HostileValue : "4bf92f3577b34da6a3ce929d0e0e4736",
        Timestamp = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero),
        Method = method,
        Path = hostile ? "/" + HostileValue : "/sample",
        RetryAfter = TimeSpan.FromSeconds(30),
        NextHop = hostile ? HostileValue : "catalog.internal:8080",
        Detail = hostile ? HostileValue : "Connection refused (catalog.internal:8080)",
        Notice = new ErrorNotice(
            hostile ? HostileValue : "We are deploying a new version.",
            new DateTime(2026, 1, 1, 11, 45, 0, DateTimeKind.Utc),
            hostile ? "https://status.example.com/?\"'><script>gw</script>" : "https://status.example.com/"),
        CspNonce = hostile ? "\"><script>alert(1)</script>" : null,
    };

    /// <summary>
    /// What the checks put in every untrusted value: markup, both quotes, a <c>javascript:</c> URL, right-to-left text and
    /// overrides, then padding to 10 KB. A page that shows <see cref="HostileMarker"/> unencoded has made a value live.
    /// </summary>
    public static readonly string HostileValue = BuildHostileValue();

    /// <summary>The part of <see cref="HostileValue"/> that must never reach a page as it is.</summary>
    public const string HostileMarker = "<script>gw-hostile</script>";

    /// <summary>The request path with every character outside RFC 3986's unreserved set percent-encoded per segment.</summary>
    internal static string SafePath(string path) => SafePathWriter.ToString(path);

    /// <summary>Standard and extension methods are letters; anything else (tchar allows quotes) is not worth showing.</summary>
    internal static string SafeMethod(string method)
    {
        foreach (var c in method)
        {
            if (!char.IsAsciiLetter(c))
            {
                return "";
            }
        }

        return method;
    }

    private static TrustedHtml RetryScript => field ??= new TrustedHtml(BuiltInTemplates.RetryScript);

    private static string BuildHostileValue()
    {
        var value = new StringBuilder(HostileMarker)
            .Append("\"'><img src=x onerror=alert(1)>javascript:alert(1) {{ title }} &amp; \u202Eevil\u202C \u0645\u0631\u062D\u0628\u0627 ");
        while (value.Length < 10 * 1024)
        {
            value.Append("\u0645x<b>\"'");
        }

        return value.ToString();
    }

    private static ScriptArray Array(IEnumerable<string> values)
    {
        var array = new ScriptArray();
        foreach (var value in values)
        {
            array.Add(value);
        }

        return array;
    }

    private static ScriptObject Text(PageTexts texts, PageBranding branding)
    {
        var text = new ScriptObject(texts.Text.Count + 3);
        foreach (var (key, name) in ChromeNames)
        {
            text[name] = texts.Text[key];
        }

        // Sentences with a link in them: the link goes where the translation puts {0}.
        text["status_page_item"] = branding.StatusPageUrl is { } status ? Linked(texts.Text["statusPage"], status, texts.Text["statusPageLink"]) : null;
        text["contact_support_item"] = branding.SupportUrl is { } support ? Linked(texts.Text["contactSupport"], support, texts.Text["contactSupportLink"]) : null;
        text["email_support_item"] = branding.SupportEmail is { } email ? Linked(texts.Text["emailSupport"], "mailto:" + email, email) : null;
        return text;
    }

    /// <summary>The texts' resource keys (camelCase) and the names templates use for them (snake_case).</summary>
    private static readonly (string Key, string Name)[] ChromeNames = PageTexts.ChromeKeys.Select(static k => (k, SnakeCase(k))).ToArray();

    internal static string SnakeCase(string name)
    {
        var snake = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                snake.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                snake.Append(c);
            }
        }

        return snake.ToString();
    }

    private static TrustedHtml Linked(string sentence, string url, string linkText)
    {
        var link = $"<a href=\"{PageEncoder.Encode(url)}\">{PageEncoder.Encode(linkText)}</a>";
        var at = sentence.IndexOf("{0}", StringComparison.Ordinal);
        return new TrustedHtml(at < 0
            ? PageEncoder.Encode(sentence) + " " + link
            : PageEncoder.Encode(sentence[..at]) + link + PageEncoder.Encode(sentence[(at + 3)..]));
    }

    private static ScriptObject? Notice(ErrorNotice? notice) => notice is null
        ? null
        : new ScriptObject(4)
        {
            ["message"] = notice.Message,
            ["since"] = notice.SinceText,
            ["since_iso"] = notice.SinceIso,
            ["url"] = notice.Url,
        };

    /// <summary>The path visitor → this site → upstream, as the hop diagram shows it.</summary>
    private static ScriptArray Hops(ErrorTypeInfo row, TypeTexts type, PageTexts texts, string siteName, string upstream)
    {
        var hop = row.Hop;
        var upstreamFailed = hop is FailedHop.Connection or FailedHop.Upstream;
        var text = texts.Text;
        return
        [
            Hop("visitor", text["hopYou"], text["hopBrowser"], "ok", text["hopWorking"], "none", null),
            Hop("site", siteName, text["hopWebServer"],
                hop == FailedHop.Site ? "error" : "ok",
                hop == FailedHop.Site ? type.HopState : text["hopWorking"],
                "ok", null),
            Hop("upstream", upstream, text["hopServiceBehind"],
                upstreamFailed ? "error" : "unknown",
                upstreamFailed ? type.HopState : text["hopNotContacted"],
                hop == FailedHop.Connection ? "error" : row.Type == GatewayErrorType.UpstreamServerError ? "ok" : "none",
                hop == FailedHop.Connection ? text["hopLinkFailed"] : null),
        ];
    }

    private static ScriptObject Hop(string role, string name, string description, string state, string stateText, string link, string? linkText) => new(8)
    {
        ["role"] = role,
        ["name"] = name,
        ["description"] = description,
        ["state"] = state,
        ["state_text"] = stateText,
        ["failed"] = state == "error",
        ["link"] = link,
        ["link_text"] = linkText,
    };
}

/// <summary>What a <see cref="RequestField"/> reads to make its value.</summary>
internal readonly record struct PageInputs(ErrorResponse Error, PageTexts Texts, TypeTexts Type, GatewayErrorAutoRetryOptions Retry);
