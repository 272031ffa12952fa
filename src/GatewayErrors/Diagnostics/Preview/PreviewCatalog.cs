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
        Languages = renderer.Languages;
        PageSets = renderer.PageSets;
    }

    public GatewayErrorsOptions Options { get; }

    /// <summary>The theme the app's options name, the one visitors get.</summary>
    public string ConfiguredTheme { get; }

    /// <summary>Every built-in theme, the configured one first.</summary>
    public IReadOnlyList<string> Themes => [ConfiguredTheme, .. BuiltInTemplates.ThemeNames.Where(t => t != ConfiguredTheme)];

    /// <summary>The languages the app serves: the shipped ones, then <c>Localization:Cultures</c>.</summary>
    public IReadOnlyList<string> Languages { get; }

    /// <summary>The page sets the app's templates define.</summary>
    public IReadOnlyList<string> PageSets { get; }

    public static PreviewCatalog Create(ErrorPageRenderer renderer, GatewayErrorsOptions options) => new(renderer, options);

    /// <summary>The texts of one of <see cref="Languages"/>, with the app's own resources over the shipped ones.</summary>
    public PageTexts TextsOf(string language) => _renderer.TextsOf(language);

    /// <summary>
    /// The statuses a type is previewed with: the one the app answers it with, then every status whose own template
    /// (<c>504.sbn-html</c>) would answer the type in that page set (an error type's own template wins over it), in order.
    /// </summary>
    public IReadOnlyList<int> StatusesOf(GatewayErrorType type, string? pageSet)
    {
        var statuses = new SortedSet<int> { ErrorTaxonomy.StatusFor(Options, type) };
        foreach (var status in _renderer.TemplateStatuses(pageSet))
        {
            if (NameOf(_renderer.TemplateFor(type, status, pageSet)) is { } name && CustomTemplates.StatusOf(name) == status)
            {
                statuses.Add(status);
            }
        }

        return [.. statuses];
    }

    /// <summary>
    /// Where the template that answers this page comes from (a file below the content root, or a configuration key), or
    /// <see langword="null"/> for the built-in page; a layout alone wraps the built-in content.
    /// </summary>
    public string? TemplateOf(GatewayErrorType type, int status, string? pageSet) => _renderer.TemplateFor(type, status, pageSet);

    /// <summary>Whether <paramref name="origin"/> (from <see cref="TemplateOf"/>) is a layout around the built-in content.</summary>
    public static bool IsLayout(string origin) => NameOf(origin) is { } name && name.Equals(CustomTemplates.LayoutName, StringComparison.OrdinalIgnoreCase);

    public string Render(ErrorResponse error, string theme) => _renderer.Render(error, theme);

    /// <summary>A template's name from its origin: <c>templates/checkout/502.sbn-html</c> and <c>GatewayErrors:Templates:502</c> are <c>502</c>.</summary>
    private static string? NameOf(string? origin)
    {
        if (origin is null)
        {
            return null;
        }

        var name = origin[(origin.LastIndexOfAny(['/', '\\', ':']) + 1)..];
        return name.EndsWith(BuiltInTemplates.TemplateExtension, StringComparison.OrdinalIgnoreCase) ? name[..^BuiltInTemplates.TemplateExtension.Length] : name;
    }
}
