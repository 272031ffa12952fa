using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>
/// What the preview can show for the app as it is configured now: the built-in themes, the languages it serves, its
/// page sets, and per error type the statuses a visitor can get (the one the app answers it with, and every status with
/// a template of its own). Built per request from the renderer, so it follows a template or options reload.
/// </summary>
internal sealed class PreviewCatalog
{
    private readonly ErrorPageRenderer _renderer;

    private PreviewCatalog(ErrorPageRenderer renderer, GatewayErrorsOptions options)
    {
        _renderer = renderer;
        Options = options;
        ConfiguredTheme = BuiltInTemplates.NormalizeTheme(options.Theme) ?? BuiltInTemplates.ThemeNames[0];

        // The languages a response can be in, as the renderer chooses among them: English only when localization is off.
        Languages = options.Localization.Enabled
            ? [.. GatewayErrorLocalizationOptions.ShippedCultures
                .Concat(options.Localization.Cultures.Where(static c => !string.IsNullOrWhiteSpace(c)).Select(static c => c.Trim()))
                .Distinct(StringComparer.OrdinalIgnoreCase)]
            : [PageCultures.Fallback];
        PageSets = [];
    }

    public GatewayErrorsOptions Options { get; }

    /// <summary>The theme the app's options name, the one visitors get.</summary>
    public string ConfiguredTheme { get; }

    /// <summary>Every built-in theme, the configured one first.</summary>
    public IReadOnlyList<string> Themes => [ConfiguredTheme];

    /// <summary>The languages the app serves: the shipped ones, then <c>Localization:Cultures</c>.</summary>
    public IReadOnlyList<string> Languages { get; }

    /// <summary>The page sets the app's templates define.</summary>
    public IReadOnlyList<string> PageSets { get; }

    public static PreviewCatalog Create(ErrorPageRenderer renderer, GatewayErrorsOptions options) => new(renderer, options);

    /// <summary>The texts of one of <see cref="Languages"/>, with the app's own resources over the shipped ones.</summary>
    public PageTexts TextsOf(string language)
    {
        // The renderer chooses a language from a request; a request that asks for exactly this one gets its texts.
        var context = new DefaultHttpContext();
        context.Request.Headers.AcceptLanguage = language;
        return _renderer.TextsFor(context);
    }

    /// <summary>The statuses a type is previewed with: the one the app answers it with, then every status with a template.</summary>
    public IReadOnlyList<int> StatusesOf(GatewayErrorType type, string? pageSet)
    {
        _ = pageSet;
        return [ErrorTaxonomy.StatusFor(Options, type)];
    }

    public string Render(ErrorResponse error, string theme)
    {
        _ = theme;
        return _renderer.Render(error);
    }
}
