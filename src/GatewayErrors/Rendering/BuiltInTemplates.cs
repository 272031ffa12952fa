using System.Globalization;
using System.Text;
using HandlebarsDotNet;

namespace GatewayErrors;

/// <summary>
/// The built-in themes: Handlebars partials and one stylesheet per theme, embedded in the assembly (Rendering/Themes).
/// </summary>
/// <remarks>
/// Each piece is registered as a partial named <c>gw-&lt;file&gt;</c> (<c>gw-hops</c>, <c>gw-actions</c>, …), and the
/// chosen theme's stylesheet as <c>gw-styles</c>, so custom templates can reuse them. The document itself is
/// <c>gw-page</c>.
/// </remarks>
internal static class BuiltInTemplates
{
    public const string PagePartial = "gw-page";
    public const string ContentPartial = "gw-content";

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

    /// <summary>Registers every built-in piece, with <paramref name="theme"/>'s stylesheet as <c>gw-styles</c>.</summary>
    public static void RegisterPartials(IHandlebars handlebars, string theme)
    {
        var sources = AllSources.Value;
        foreach (var (name, source) in sources.Partials)
        {
            handlebars.RegisterTemplate(name, source);
        }

        foreach (var (name, css) in sources.Styles)
        {
            handlebars.RegisterTemplate("gw-styles-" + name, css);
        }

        handlebars.RegisterTemplate("gw-styles", sources.Styles[theme]);
    }

    public static IHandlebars CreateEnvironment() => Handlebars.Create(new HandlebarsConfiguration
    {
        // Every model value is encoded when the model is built (see ErrorPageModel), so {{x}} and {{{x}}} are equally safe.
        NoEscape = true,
        FormatProvider = CultureInfo.InvariantCulture,
    });

    /// <summary>Compiles one theme's page and content; done once per theme and cached by the renderer.</summary>
    public static ThemeTemplates Compile(string theme)
    {
        var handlebars = CreateEnvironment();
        RegisterPartials(handlebars, theme);
        return new ThemeTemplates(
            theme,
            handlebars,
            Compile(handlebars, "{{> " + PagePartial + "}}"),
            Compile(handlebars, "{{> " + ContentPartial + "}}"));
    }

    internal static HandlebarsTemplate<TextWriter, object, object> Compile(IHandlebars handlebars, string source)
    {
        using var reader = new StringReader(source);
        return handlebars.Compile(reader);
    }

    private static Sources Load()
    {
        var assembly = typeof(BuiltInTemplates).Assembly;
        var partials = new Dictionary<string, string>(StringComparer.Ordinal);
        var styles = new Dictionary<string, string>(StringComparer.Ordinal);
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
            if (file.EndsWith(".hbs", StringComparison.Ordinal))
            {
                partials["gw-" + file[..^4]] = text;
            }
            else if (file.EndsWith(".js", StringComparison.Ordinal))
            {
                // Kept byte for byte: its CSP hash is computed over exactly this text.
                script = text.ReplaceLineEndings("\n");
            }
            else if (file.EndsWith(".css", StringComparison.Ordinal))
            {
                // Stylesheets are one line per rule; the line breaks are only for reading the source.
                styles[file[..^4]] = text.ReplaceLineEndings("");
            }
        }

        foreach (var theme in ThemeNames)
        {
            if (!styles.ContainsKey(theme))
            {
                throw new InvalidOperationException($"The built-in theme '{theme}' has no embedded stylesheet.");
            }
        }

        return new Sources(partials, styles, script ?? throw new InvalidOperationException("The built-in page script (retry.js) is not embedded."));
    }

    private sealed record Sources(IReadOnlyDictionary<string, string> Partials, IReadOnlyDictionary<string, string> Styles, string Script);
}

/// <summary>One built-in theme, compiled.</summary>
/// <param name="Theme">The theme name, lower case.</param>
/// <param name="Handlebars">The environment its partials live in.</param>
/// <param name="Page">The whole document.</param>
/// <param name="Content">The inside of <c>&lt;main&gt;</c>: what a custom layout gets as <c>body</c> when no page template matches.</param>
internal sealed record ThemeTemplates(
    string Theme,
    IHandlebars Handlebars,
    HandlebarsTemplate<TextWriter, object, object> Page,
    HandlebarsTemplate<TextWriter, object, object> Content);
