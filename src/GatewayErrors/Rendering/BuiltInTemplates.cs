using System.Globalization;
using System.Text;
using Scriban;

namespace GatewayErrors;

/// <summary>
/// The built-in themes: Scriban pieces and one stylesheet per theme, embedded in the assembly (Rendering/Themes), parsed
/// once per process.
/// </summary>
/// <remarks>
/// Each piece is a template named <c>gw-&lt;file&gt;</c> (<c>gw-hops</c>, <c>gw-actions</c>, …), and the chosen theme's
/// stylesheet is <c>gw-styles</c>, so custom templates can include them. The document itself is <c>gw-page</c>.
/// </remarks>
internal static class BuiltInTemplates
{
    public const string PagePartial = "gw-page";
    public const string ContentPartial = "gw-content";
    public const string ReferencePartial = "gw-reference";

    /// <summary>Scriban's extension for HTML templates, used for the built-in pieces and for custom templates.</summary>
    public const string TemplateExtension = ".sbn-html";

    private const string ResourcePrefix = "GatewayErrors.Themes.";

    /// <summary>The theme names, lower case; the first is the default.</summary>
    public static readonly IReadOnlyList<string> ThemeNames = ["default", "minimal", "console"];

    private static readonly Lazy<Sources> AllSources = new(Load);

    /// <summary>
    /// The page's one script (Themes/retry.js): the countdown, the check, the pause control and the way back. It is the
    /// same on every page, in every language (its texts are in the markup), so one CSP hash allows it everywhere.
    /// </summary>
    public static string RetryScript => AllSources.Value.Script;

    /// <summary>The CSP source expression that allows <see cref="RetryScript"/>: <c>'sha256-…'</c>.</summary>
    public static string RetryScriptHash => field ??= "'sha256-" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(RetryScript))) + "'";

    public static string? NormalizeTheme(string? theme)
    {
        if (string.IsNullOrWhiteSpace(theme))
        {
            return ThemeNames[0];
        }

        foreach (var name in ThemeNames)
        {
            if (name.Equals(theme.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>Every built-in piece of <paramref name="theme"/>, with its stylesheet as <c>gw-styles</c>.</summary>
    public static IEnumerable<ParsedTemplate> PiecesOf(string theme)
    {
        var sources = AllSources.Value;
        return sources.Pieces.Concat(sources.Styles.Values).Append(sources.Styles[theme] with { Name = "gw-styles" });
    }

    /// <summary>One theme's pieces, page and content; made once per theme and kept by the renderer.</summary>
    public static ThemeTemplates Compile(string theme)
    {
        var set = new TemplateSet(PiecesOf(theme));
        return new ThemeTemplates(theme, set, set.Find(PagePartial)!, set.Find(ContentPartial)!);
    }

    /// <summary>Parses a template, or throws with every message Scriban gave (built-in pieces are checked by tests, so this never throws in a release).</summary>
    private static ParsedTemplate Parse(string name, string text)
    {
        var origin = "built-in:" + name;
        var template = Template.Parse(text, origin);
        if (template.HasErrors)
        {
            throw new InvalidOperationException($"The built-in template '{name}' does not parse: {template.Messages}");
        }

        return new ParsedTemplate(name, origin, template);
    }

    private static Sources Load()
    {
        var assembly = typeof(BuiltInTemplates).Assembly;
        var pieces = new List<ParsedTemplate>();
        var styles = new Dictionary<string, ParsedTemplate>(StringComparer.Ordinal);
        string? script = null;
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            var file = resource[ResourcePrefix.Length..];
            if (file.EndsWith(TemplateExtension, StringComparison.Ordinal))
            {
                var name = "gw-" + file[..^TemplateExtension.Length];
                pieces.Add(Parse(name, text.ReplaceLineEndings("\n")));
            }
            else if (file.EndsWith(".js", StringComparison.Ordinal))
            {
                // Kept byte for byte: its CSP hash is computed over exactly this text.
                script = text.ReplaceLineEndings("\n");
            }
            else if (file.EndsWith(".css", StringComparison.Ordinal))
            {
                // Stylesheets are one line per rule; the line breaks are only for reading the source.
                var name = file[..^4];
                styles[name] = Parse("gw-styles-" + name, text.ReplaceLineEndings(""));
            }
        }

        foreach (var theme in ThemeNames)
        {
            if (!styles.ContainsKey(theme))
            {
                throw new InvalidOperationException($"The built-in theme '{theme}' has no embedded stylesheet.");
            }
        }

        return new Sources(pieces, styles, script ?? throw new InvalidOperationException("The built-in page script (retry.js) is not embedded."));
    }

    private sealed record Sources(IReadOnlyList<ParsedTemplate> Pieces, IReadOnlyDictionary<string, ParsedTemplate> Styles, string Script);
}

/// <summary>One built-in theme, parsed.</summary>
/// <param name="Theme">The theme name, lower case.</param>
/// <param name="Pieces">Its pieces (<c>gw-head</c>, <c>gw-hops</c>, …), what custom templates are added to.</param>
/// <param name="Page">The whole document.</param>
/// <param name="Content">The inside of <c>&lt;main&gt;</c>: what a custom layout gets as <c>body</c> when no page template matches.</param>
internal sealed record ThemeTemplates(string Theme, TemplateSet Pieces, ParsedTemplate Page, ParsedTemplate Content);
