using System.Collections.Frozen;
using System.Globalization;
using System.Resources;
using Microsoft.Extensions.Localization;

namespace GatewayErrors;

/// <summary>
/// Every text of the error responses in one language, looked up once per language and configuration, as plain strings:
/// each body writer encodes them for its own format (the page HTML-encodes them at output). Requests only read it.
/// </summary>
/// <remarks>
/// A text comes from the first of: the app's resources for the language (its <c>GatewayErrorPages.&lt;lang&gt;.resx</c>),
/// GatewayErrors' resources for the language, the same two for each parent language (<c>pt-BR</c> → <c>pt</c>), then
/// the app's neutral resources and GatewayErrors' English. So an app overrides any string, in one language or in all,
/// and adds a language by providing its strings, the way it localizes itself.
/// </remarks>
internal sealed class PageTexts
{
    /// <summary>The base name of GatewayErrors' own resources (Localization/GatewayErrorPages*.resx).</summary>
    public const string ResourceBaseName = "GatewayErrors.Localization.GatewayErrorPages";

    private static readonly ResourceManager BuiltIn = new(ResourceBaseName, typeof(PageTexts).Assembly);

    private readonly TypeTexts[] _types;

    private PageTexts(string language, Func<string, string> get)
    {
        Language = language;
        Direction = PageCultures.IsRightToLeft(language) ? "rtl" : "ltr";

        var text = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in ChromeKeys)
        {
            text[key] = get(key);
        }

        Text = text.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        ThisSite = Text["thisSite"];

        // Every type's words, looked up here, once per language: a request only picks its row's.
        _types = ErrorTaxonomy.All.Select(row => new TypeTexts(row, get)).ToArray();
    }

    /// <summary>The keys of the page's own texts (headings, labels, buttons, the countdown), as resource names and template names.</summary>
    public static IReadOnlyList<string> ChromeKeys { get; } =
    [
        "error", "whatHappened", "whatCanIDo", "hopsHeading", "referenceHeading", "reference", "time", "errorLabel", "thisSite",
        "hopYou", "hopBrowser", "hopWebServer", "hopServiceBehind", "hopWorking", "hopNotContacted", "hopLinkFailed",
        "whereSite", "whereUpstream", "whereConnection",
        "statusPage", "statusPageLink", "contactSupport", "contactSupportLink", "emailSupport", "tellOwner",
        "noticeHeading", "noticeSince", "noticeMore",
        "retryInSecond", "retryInSeconds", "retryInMinutes", "retryHeading", "tryAgain", "retryCountdown", "retryChecking",
        "retryStillDown", "retryBack", "retryPaused", "retryGaveUp", "retryPause", "retryResume", "notResent", "goBack",
    ];

    /// <summary>The language tag the texts are in, as <c>Content-Language</c> and <c>&lt;html lang&gt;</c> say it.</summary>
    public string Language { get; }

    /// <summary><c>ltr</c> or <c>rtl</c>, for <c>&lt;html dir&gt;</c>.</summary>
    public string Direction { get; }

    /// <summary>The page's own texts, by resource key (templates read them as <c>text.snake_case_key</c>).</summary>
    public FrozenDictionary<string, string> Text { get; }

    public string ThisSite { get; }

    /// <summary>The English texts as shipped, straight from GatewayErrors' neutral resources.</summary>
    public static string Neutral(string key) => BuiltIn.GetString(key, CultureInfo.InvariantCulture) ?? key;

    public TypeTexts For(GatewayErrorType type) => _types[(int)type];

    /// <summary>"Try again in 45 seconds."</summary>
    public string RetryText(long seconds)
    {
        var sentence = RetrySentence(seconds, out var number);
        return sentence.Replace("{0}", number.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>
    /// The sentence <see cref="RetryText"/> uses for a wait, with <c>{0}</c> where <paramref name="number"/> goes: one
    /// second, seconds, or minutes (rounded up) from two minutes on.
    /// </summary>
    public string RetrySentence(long seconds, out long number)
    {
        if (seconds <= 1)
        {
            number = 1;
            return Text["retryInSecond"];
        }

        if (seconds < 120)
        {
            number = seconds;
            return Text["retryInSeconds"];
        }

        number = (seconds + 59) / 60;
        return Text["retryInMinutes"];
    }

    public string Where(FailedHop hop, string upstream) => Place(
        hop switch
        {
            FailedHop.Site => Text["whereSite"],
            FailedHop.Upstream => Text["whereUpstream"],
            _ => Text["whereConnection"],
        },
        // The upstream's name is isolated from the sentence around it (FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE),
        // as <bdi> isolates the hop names: a Latin name with a version or a parenthesis inside an Arabic sentence, or an
        // Arabic name inside an English one, otherwise takes the sentence's punctuation to the wrong side. Invisible
        // characters rather than markup, because custom templates get this sentence as text.
        "\u2068" + upstream + "\u2069");

    /// <summary>
    /// Builds the texts of one language. <paramref name="app"/> is the app's own localizer (or <see langword="null"/>);
    /// without culture data (<c>InvariantGlobalization</c>) only English can be read, so the texts are English and say so.
    /// </summary>
    public static PageTexts Create(string language, IStringLocalizer? app)
    {
        var chain = new List<IReadOnlyDictionary<string, string>>();
        string? resolved = null;
        for (var tag = language; tag.Length > 0; tag = tag.LastIndexOf('-') is var dash and > 0 ? tag[..dash] : "")
        {
            if (CultureOf(tag) is not { } culture)
            {
                // No culture data (InvariantGlobalization): satellite resources cannot be looked up, so English is what there is.
                chain.Clear();
                resolved = null;
                break;
            }

            var appStrings = AppStrings(app, culture);
            var builtIn = BuiltInStrings(culture);
            chain.Add(appStrings);
            chain.Add(builtIn);

            // The response says the language its texts are in: pt-BR without texts of its own but with pt's is pt, and a
            // language nobody has texts for is English, not a label on English words.
            resolved ??= appStrings.Count + builtIn.Count > 0 ? tag : null;
        }

        resolved ??= PageCultures.Fallback;

        chain.Add(AppStrings(app, CultureInfo.InvariantCulture));
        chain.Add(BuiltInStrings(CultureInfo.InvariantCulture));
        return new PageTexts(resolved, key =>
        {
            foreach (var strings in chain)
            {
                if (strings.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value))
                {
                    return value;
                }
            }

            return key;
        });
    }

    private static string Place(string sentence, string value)
    {
        var at = sentence.IndexOf("{0}", StringComparison.Ordinal);
        return at < 0 ? sentence + " " + value : string.Concat(sentence.AsSpan(0, at), value, sentence.AsSpan(at + 3));
    }

    private static CultureInfo? CultureOf(string tag)
    {
        try
        {
            return CultureInfo.GetCultureInfo(tag);
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> BuiltInStrings(CultureInfo culture)
    {
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (BuiltIn.GetResourceSet(culture, createIfNotExists: true, tryParents: false) is { } set)
        {
            foreach (System.Collections.DictionaryEntry entry in set)
            {
                if (entry is { Key: string key, Value: string value })
                {
                    strings[key] = value;
                }
            }
        }

        return strings;
    }

    private static Dictionary<string, string> AppStrings(IStringLocalizer? app, CultureInfo culture)
    {
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (app is null)
        {
            return strings;
        }

        // IStringLocalizer reads the current UI culture; this runs once per language, never per request.
        var previous = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = culture;
            foreach (var entry in app.GetAllStrings(includeParentCultures: false))
            {
                if (!entry.ResourceNotFound)
                {
                    strings[entry.Name] = entry.Value;
                }
            }
        }
        catch (Exception exception) when (exception is MissingManifestResourceException or InvalidOperationException or FileNotFoundException)
        {
            // The app has no resources for this language (or none at all): GatewayErrors' own texts apply.
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }

        return strings;
    }
}

/// <summary>The texts of one error type in one language.</summary>
internal sealed class TypeTexts
{
    internal TypeTexts(ErrorTypeInfo row, Func<string, string> get)
    {
        Row = row;
        Title = get(row.TitleKey);
        Summary = get(row.SummaryKey);
        Cause = get(row.CauseKey);
        HopState = get(row.HopStateKey);
        var visitor = row.VisitorAdviceKeys.Select(get).ToArray();
        RetryAdvice = visitor[0];
        VisitorAdvice = visitor[1..];
    }

    public ErrorTypeInfo Row { get; }

    /// <summary>The short human title ("Upstream service timed out").</summary>
    public string Title { get; }

    /// <summary>One plain sentence saying what happened.</summary>
    public string Summary { get; }

    /// <summary>One plain sentence on why this usually happens.</summary>
    public string Cause { get; }

    /// <summary>The label of the failed hop in the hop diagram ("Timed out").</summary>
    public string HopState { get; }

    /// <summary>When to retry, from the type's advice ("Wait a minute, then reload the page.").</summary>
    public string RetryAdvice { get; }

    /// <summary>The rest of what a visitor can do.</summary>
    public IReadOnlyList<string> VisitorAdvice { get; }

    /// <summary>Whether the type's advice is to wait a moment and reload: what lets a 502 or 504 page retry by itself.</summary>
    public bool WaitAndReload => Row.WaitAndReload;
}
