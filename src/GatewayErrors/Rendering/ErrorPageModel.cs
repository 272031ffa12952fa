using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace GatewayErrors;

/// <summary>
/// What a page template sees (documented variable by variable in docs/themes-and-templates.md).
/// </summary>
/// <remarks>
/// Every string here is already HTML-encoded, or built from a character set that needs no encoding, and the templates
/// are compiled with Handlebars' own escaping off. So <c>{{x}}</c> and <c>{{{x}}}</c> write the same safe text: a
/// custom template cannot make a request or upstream value live by using the triple-stash, and nothing is encoded
/// twice. Values are safe in element text and in quoted attributes; URLs come only from validated options.
/// </remarks>
internal sealed class ErrorPageModel
{
    /// <summary>Encodes HTML-significant characters only, so names in any script stay readable and short.</summary>
    internal static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public required int StatusCode { get; init; }

    public required string ReasonPhrase { get; init; }

    public required string Title { get; init; }

    public required string Summary { get; init; }

    public required string Cause { get; init; }

    public required string ErrorType { get; init; }

    public required string Upstream { get; init; }

    public required string FailedHop { get; init; }

    public required string HopState { get; init; }

    /// <summary>One sentence placing the failure on the path, naming the upstream.</summary>
    public required string Where { get; init; }

    public required IReadOnlyList<HopModel> Hops { get; init; }

    public required IReadOnlyList<string> VisitorAdvice { get; init; }

    public required IReadOnlyList<string> OwnerSteps { get; init; }

    public required bool ShowTroubleshooting { get; init; }

    public long? RetryAfterSeconds { get; init; }

    public string? RetryAfterText { get; init; }

    /// <summary>When to retry: <see cref="RetryAfterText"/> when Retry-After is known, else the error type's advice.</summary>
    public required string RetryText { get; init; }

    /// <summary>What the page does about retrying: counts down and checks (<see cref="AutoRetry"/>), says it does not resend (<see cref="RetryNotResent"/>), or neither.</summary>
    public bool AutoRetry { get; init; }

    /// <summary>The request was not a GET or HEAD, so the page never resends it and offers a way back instead.</summary>
    public bool RetryNotResent { get; init; }

    /// <summary>The countdown's first value in seconds: the Retry-After wait when known, else <c>GatewayErrors:AutoRetry:Delay</c>.</summary>
    public long RetryWaitSeconds { get; init; }

    /// <summary>The longest wait between checks, in seconds (<c>GatewayErrors:AutoRetry:MaxDelay</c>).</summary>
    public long RetryMaxWaitSeconds { get; init; }

    /// <summary>How many checks the page makes before it stops (<c>GatewayErrors:AutoRetry:MaxAttempts</c>).</summary>
    public int RetryMaxAttempts { get; init; }

    /// <summary>The request's CSP nonce (see <see cref="GatewayErrorsOptions.CspNonce"/>), or empty.</summary>
    public required string CspNonce { get; init; }

    /// <summary>The page's script (countdown, check, pause, back), GatewayErrors' own code; set only when the page needs it.</summary>
    public string? RetryScript { get; init; }

    /// <summary>The language of the page's texts (<c>&lt;html lang&gt;</c>), such as <c>de</c> or <c>zh-Hans</c>.</summary>
    public required string Lang { get; init; }

    /// <summary><c>ltr</c> or <c>rtl</c> (<c>&lt;html dir&gt;</c>).</summary>
    public required string Dir { get; init; }

    /// <summary>The page's own texts in <see cref="Lang"/> (headings, labels, buttons), HTML-encoded: <c>{{text.whatHappened}}</c>.</summary>
    public required IReadOnlyDictionary<string, string> Text { get; init; }

    public required string TraceId { get; init; }

    public required string TimestampUtc { get; init; }

    public required string TimestampIso { get; init; }

    public required string Method { get; init; }

    public required string Path { get; init; }

    public string? NextHop { get; init; }

    public string? Detail { get; init; }

    public required string Theme { get; init; }

    public required string SiteName { get; init; }

    public string? LogoUrl { get; init; }

    public string? AccentColor { get; init; }

    public string? SupportUrl { get; init; }

    public string? SupportEmail { get; init; }

    public string? SupportMailto { get; init; }

    public string? StatusPageUrl { get; init; }

    /// <summary>What the operators know (the incident notice), or <see langword="null"/>.</summary>
    public NoticeModel? Notice { get; init; }

    public bool HasSupport => SupportUrl is not null || SupportEmail is not null;

    /// <summary>The page's output inside a custom <c>layout</c>; <see langword="null"/> elsewhere.</summary>
    public string? Body { get; set; }

    /// <summary>
    /// The model for a response, with <see cref="CachedPage.Sentinel"/> stand-ins for the values that change per request
    /// when <paramref name="sentinels"/> is set, so the rendered page can be split around them and cached.
    /// </summary>
    public static ErrorPageModel Create(ErrorResponse error, PageBranding branding, PageTexts texts, GatewayErrorAutoRetryOptions retry, bool sentinels = false)
    {
        var row = error.Type;
        var type = texts.For(row.Type);
        var upstream = Encode(error.UpstreamDisplayName);
        var siteName = branding.SiteName ?? texts.ThisSite;
        var seconds = error.RetryAfterSeconds;
        var utc = error.Timestamp.UtcDateTime;
        var mode = AutoRetryPolicy.ModeFor(error, type, retry);
        return new ErrorPageModel
        {
            StatusCode = error.StatusCode,
            ReasonPhrase = Encode(error.ReasonPhrase),
            Title = type.TitleHtml,
            Summary = type.SummaryHtml,
            Cause = type.CauseHtml,
            ErrorType = Encode(row.Name),
            Upstream = upstream,
            FailedHop = row.Hop switch
            {
                GatewayErrors.FailedHop.Site => "site",
                GatewayErrors.FailedHop.Upstream => "upstream",
                _ => "connection",
            },
            HopState = type.HopStateHtml,
            Hops = HopModel.Create(row, type, texts, siteName, upstream),
            Where = texts.Where(row.Hop, upstream),
            VisitorAdvice = type.VisitorHtml,
            OwnerSteps = row.EncodedOwnerAdvice,
            ShowTroubleshooting = branding.ShowTroubleshooting,
            RetryAfterSeconds = seconds is null ? null : sentinels ? CachedPage.RetryAfterSecondsSentinel : seconds,
            RetryAfterText = seconds is not { } s ? null : sentinels ? CachedPage.Sentinel(PageField.RetryAfterText) : texts.RetryText(s),
            RetryText = sentinels ? CachedPage.Sentinel(PageField.RetryText) : seconds is { } r ? texts.RetryText(r) : type.RetryHtml,
            AutoRetry = mode == RetryMode.Automatic,
            RetryNotResent = mode == RetryMode.NotResent,
            RetryWaitSeconds = sentinels ? CachedPage.RetryWaitSecondsSentinel : AutoRetryPolicy.WaitSeconds(error, retry),
            RetryMaxWaitSeconds = (long)Math.Ceiling(retry.MaxDelay.TotalSeconds),
            RetryMaxAttempts = retry.MaxAttempts,
            RetryScript = mode == RetryMode.None ? null : BuiltInTemplates.RetryScript,
            CspNonce = sentinels ? CachedPage.Sentinel(PageField.CspNonce) : AutoRetryPolicy.SafeNonce(error.CspNonce) ?? "",
            Lang = texts.Language,
            Dir = texts.Direction,
            Text = texts.Text,
            TraceId = sentinels ? CachedPage.Sentinel(PageField.TraceId) : Encode(error.TraceId),
            TimestampUtc = sentinels ? CachedPage.Sentinel(PageField.TimestampUtc) : utc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
            TimestampIso = sentinels ? CachedPage.Sentinel(PageField.TimestampIso) : utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            Method = sentinels ? CachedPage.Sentinel(PageField.Method) : SafeMethod(error.Method),
            Path = sentinels ? CachedPage.Sentinel(PageField.Path) : SafePath(error.Path),
            NextHop = error.NextHop is null ? null : Encode(error.NextHop),
            Detail = error.Detail is null ? null : Encode(error.Detail),
            Theme = branding.Theme,
            SiteName = siteName,
            LogoUrl = branding.LogoUrl,
            AccentColor = branding.AccentColor,
            SupportUrl = branding.SupportUrl,
            SupportEmail = branding.SupportEmail,
            SupportMailto = branding.SupportMailto,
            StatusPageUrl = branding.StatusPageUrl,
            Notice = NoticeModel.Create(error.Notice),
        };
    }

    /// <summary>A representative model for trying a template out at start-up and for docs: a GET that retries by itself, with a notice.</summary>
    internal static ErrorPageModel Sample(GatewayErrorType type, int status, PageBranding branding, PageTexts texts) => Create(
        new ErrorResponse
        {
            StatusCode = status,
            ReasonPhrase = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
            Type = ErrorTaxonomy.Get(type),
            UpstreamDisplayName = "catalog",
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            Timestamp = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero),
            Method = "GET",
            Path = "/sample",
            RetryAfter = TimeSpan.FromSeconds(30),
            NextHop = "catalog.internal:8080",
            Detail = "Connection refused (catalog.internal:8080)",
            Notice = new ErrorNotice("We are deploying a new version.", new DateTime(2026, 1, 1, 11, 45, 0, DateTimeKind.Utc), "https://status.example.com/"),
        },
        branding,
        texts,
        new GatewayErrorAutoRetryOptions());

    internal static string Encode(string value) => Encoder.Encode(value);

    /// <summary>
    /// The request path with every character outside RFC 3986's unreserved set percent-encoded per segment: safe in
    /// text, in any attribute and as a URL (a hostile path cannot become <c>javascript:</c> or break out of quotes).
    /// </summary>
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
}

/// <summary>The incident notice as a template sees it, every value HTML-encoded.</summary>
internal sealed class NoticeModel
{
    public required string Message { get; init; }

    /// <summary>When it started, for people: <c>2026-12-01 14:05 UTC</c>.</summary>
    public string? Since { get; init; }

    public string? SinceIso { get; init; }

    public string? Url { get; init; }

    internal static NoticeModel? Create(ErrorNotice? notice) => notice is null
        ? null
        : new NoticeModel
        {
            Message = ErrorPageModel.Encode(notice.Message),
            Since = notice.SinceText,
            SinceIso = notice.SinceIso,
            Url = notice.Url is null ? null : ErrorPageModel.Encode(notice.Url),
        };
}

/// <summary>One point on the path visitor → this site → upstream, as the hop diagram shows it.</summary>
internal sealed class HopModel
{
    /// <summary><c>visitor</c>, <c>site</c> or <c>upstream</c>.</summary>
    public required string Role { get; init; }

    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary><c>ok</c>, <c>error</c> or <c>unknown</c>; the text in <see cref="StateText"/> says the same in words.</summary>
    public required string State { get; init; }

    public required string StateText { get; init; }

    public bool Failed => State == "error";

    /// <summary>The connection leading to this point: <c>ok</c>, <c>error</c> or <c>none</c> (not attempted); <c>none</c> for the first point.</summary>
    public required string Link { get; init; }

    /// <summary>
    /// The connection leading to this point in words when it failed ("link failed"), else <see langword="null"/>: text for
    /// themes that write the link state rather than draw it, in the page's language (CSS <c>content</c> cannot be translated).
    /// </summary>
    public string? LinkText { get; init; }

    internal static HopModel[] Create(ErrorTypeInfo row, TypeTexts type, PageTexts texts, string siteName, string upstream)
    {
        var hop = row.Hop;
        var upstreamFailed = hop is FailedHop.Connection or FailedHop.Upstream;
        var text = texts.Text;
        return
        [
            new HopModel { Role = "visitor", Name = text["hopYou"], Description = text["hopBrowser"], State = "ok", StateText = text["hopWorking"], Link = "none" },
            new HopModel
            {
                Role = "site", Name = siteName, Description = text["hopWebServer"],
                State = hop == FailedHop.Site ? "error" : "ok",
                StateText = hop == FailedHop.Site ? type.HopStateHtml : text["hopWorking"],
                Link = "ok",
            },
            new HopModel
            {
                Role = "upstream", Name = upstream, Description = text["hopServiceBehind"],
                State = upstreamFailed ? "error" : "unknown",
                StateText = upstreamFailed ? type.HopStateHtml : text["hopNotContacted"],
                Link = hop == FailedHop.Connection ? "error"
                    : row.Type == GatewayErrorType.UpstreamServerError ? "ok"
                    : "none",
                LinkText = hop == FailedHop.Connection ? text["hopLinkFailed"] : null,
            },
        ];
    }
}
