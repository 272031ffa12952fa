using System.Globalization;
using HandlebarsDotNet;
using Microsoft.Extensions.FileProviders;

namespace GatewayErrors;

/// <summary>One custom template's text and where it came from (for messages).</summary>
/// <param name="Name">The template name: the file name without <c>.hbs</c>, or the key in <see cref="GatewayErrorsOptions.Templates"/>.</param>
/// <param name="Origin">Where it came from, as a person would find it: a path below the content root, or a configuration key.</param>
/// <param name="Text">The template source.</param>
internal sealed record TemplateSource(string Name, string Origin, string Text);

/// <summary>
/// The custom templates of one configuration, compiled: found by the most specific name first,
/// <c>&lt;error_type&gt;</c> &gt; <c>&lt;status&gt;</c> &gt; <c>error</c>, optionally wrapped in <c>layout</c>.
/// </summary>
internal sealed class CustomTemplates
{
    public const string ErrorName = "error";
    public const string LayoutName = "layout";

    private readonly CompiledTemplate?[] _byType;
    private readonly Dictionary<int, CompiledTemplate> _byStatus;
    private readonly CompiledTemplate? _error;

    private CustomTemplates(
        CompiledTemplate?[] byType, Dictionary<int, CompiledTemplate> byStatus, CompiledTemplate? error, CompiledTemplate? layout,
        HandlebarsTemplate<TextWriter, object, object> content, int count)
    {
        _byType = byType;
        _byStatus = byStatus;
        _error = error;
        Layout = layout;
        Content = content;
        Count = count;
    }

    public CompiledTemplate? Layout { get; }

    /// <summary>The built-in content, rendered in this environment (so custom partials that override built-in pieces apply).</summary>
    public HandlebarsTemplate<TextWriter, object, object> Content { get; }

    public int Count { get; }

    /// <summary>The page template for a response, or <see langword="null"/> to use the built-in page (or the layout around it).</summary>
    public CompiledTemplate? Find(GatewayErrorType type, int status)
    {
        var index = (int)type;
        if ((uint)index < (uint)_byType.Length && _byType[index] is { } byType)
        {
            return byType;
        }

        return _byStatus.TryGetValue(status, out var byStatus) ? byStatus : _error;
    }

    /// <summary>Whether a template name is a page (looked up per response) rather than only a partial.</summary>
    public static bool IsPageName(string name)
        => name.Equals(ErrorName, StringComparison.OrdinalIgnoreCase)
            || name.Equals(LayoutName, StringComparison.OrdinalIgnoreCase)
            || StatusOf(name) is not null
            || TypeOf(name) is not null;

    /// <summary>
    /// Reads the custom templates of a configuration: the folder, then the file provider, then the strings, a later
    /// source replacing an earlier one of the same name.
    /// </summary>
    public static List<TemplateSource> Collect(GatewayErrorsOptions options, IFileProvider? folder, string? folderDisplay)
    {
        var byName = new Dictionary<string, TemplateSource>(StringComparer.OrdinalIgnoreCase);
        if (folder is not null)
        {
            AddFiles(byName, folder, folderDisplay ?? "", "");
        }

        if (options.TemplateFileProvider is { } provider)
        {
            AddFiles(byName, provider, "TemplateFileProvider:", "");
        }

        foreach (var (name, text) in options.Templates)
        {
            var key = name.EndsWith(".hbs", StringComparison.OrdinalIgnoreCase) ? name[..^4] : name;
            byName[key] = new TemplateSource(key, $"{GatewayErrorsOptions.SectionName}:Templates:{name}", text ?? "");
        }

        return [.. byName.Values.OrderBy(static s => s.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// Compiles the templates on top of <paramref name="theme"/>'s built-in pieces and renders each page once with a
    /// sample model, so a missing partial or helper is found now rather than on the first failing request.
    /// </summary>
    /// <returns>The compiled set, or <see langword="null"/> with <paramref name="errors"/> filled in.</returns>
    public static CustomTemplates? Compile(IReadOnlyList<TemplateSource> sources, string theme, PageBranding branding, PageTexts texts, List<string> errors)
    {
        var handlebars = BuiltInTemplates.CreateEnvironment();
        BuiltInTemplates.RegisterPartials(handlebars, theme);
        var byType = new CompiledTemplate?[Enum.GetValues<GatewayErrorType>().Length];
        var byStatus = new Dictionary<int, CompiledTemplate>();
        CompiledTemplate? error = null;
        CompiledTemplate? layout = null;
        var before = errors.Count;

        foreach (var source in sources)
        {
            try
            {
                // Every template is also a partial, so pages can share pieces ({{> footer}}) and can replace built-in ones.
                handlebars.RegisterTemplate(source.Name, source.Text);
            }
            catch (Exception exception) when (exception is HandlebarsException or InvalidOperationException or ArgumentException)
            {
                errors.Add(Describe(source, exception));
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        foreach (var source in sources)
        {
            if (!IsPageName(source.Name))
            {
                continue;
            }

            var compiled = new CompiledTemplate(source.Name, source.Origin, BuiltInTemplates.Compile(handlebars, source.Text));
            if (source.Name.Equals(LayoutName, StringComparison.OrdinalIgnoreCase))
            {
                layout = compiled;
            }
            else if (source.Name.Equals(ErrorName, StringComparison.OrdinalIgnoreCase))
            {
                error = compiled;
            }
            else if (StatusOf(source.Name) is { } status)
            {
                byStatus[status] = compiled;
            }
            else if (TypeOf(source.Name) is { } type)
            {
                byType[(int)type] = compiled;
            }
        }

        var content = BuiltInTemplates.Compile(handlebars, "{{> " + BuiltInTemplates.ContentPartial + "}}");
        var set = new CustomTemplates(byType, byStatus, error, layout, content, sources.Count);
        set.TrialRender(branding, texts, errors);
        return errors.Count > before ? null : set;
    }

    internal static string Describe(TemplateSource source, Exception exception)
    {
        var position = TemplateErrorLocator.Locate(source.Text, exception) is { } at
            ? string.Create(CultureInfo.InvariantCulture, $"line {at.Line}, column {at.Column}")
            : "an unknown position";
        var message = exception.Message.ReplaceLineEndings(" ").Trim();
        var cut = message.IndexOf("Occured at:", StringComparison.Ordinal);
        message = cut > 0 ? message[..cut].TrimEnd() : message;
        return $"Error page template '{source.Origin}' does not compile at {position}: {message}";
    }

    private void TrialRender(PageBranding branding, PageTexts texts, List<string> errors)
    {
        var pages = _byType.Where(static t => t is not null).Concat(_byStatus.Values).Append(_error).Append(Layout);
        foreach (var page in pages)
        {
            if (page is null)
            {
                continue;
            }

            var type = TypeOf(page.Name) ?? GatewayErrorType.ConnectionRefused;
            var status = StatusOf(page.Name) ?? ErrorTaxonomy.Get(type).RecommendedStatus;
            var model = ErrorPageModel.Sample(type, status, branding, texts);
            try
            {
                using var writer = new StringWriter(CultureInfo.InvariantCulture);
                page.Template(writer, model, null!);
            }
            catch (Exception exception) when (exception is HandlebarsException or InvalidOperationException or ArgumentException or FormatException)
            {
                errors.Add($"Error page template '{page.Origin}' fails when rendered: {exception.Message.ReplaceLineEndings(" ").Trim()}");
            }
        }
    }

    private static void AddFiles(Dictionary<string, TemplateSource> byName, IFileProvider provider, string display, string subPath)
    {
        foreach (var file in provider.GetDirectoryContents(subPath))
        {
            if (file.IsDirectory)
            {
                // One level of folders (partials/, shared/…) is enough to organise a handful of templates.
                if (subPath.Length == 0)
                {
                    AddFiles(byName, provider, display, file.Name);
                }

                continue;
            }

            if (!file.Name.EndsWith(".hbs", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            using var stream = file.CreateReadStream();
            using var reader = new StreamReader(stream);
            var name = file.Name[..^4];
            var relative = subPath.Length == 0 ? file.Name : subPath + "/" + file.Name;
            byName[name] = new TemplateSource(name, display + relative, reader.ReadToEnd());
        }
    }

    private static int? StatusOf(string name)
        => name.Length == 3 && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 100 and <= 599
            ? status
            : null;

    private static GatewayErrorType? TypeOf(string name)
    {
        foreach (var type in Enum.GetValues<GatewayErrorType>())
        {
            if (ErrorTaxonomy.Get(type).Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return type;
            }
        }

        return null;
    }
}

/// <summary>A compiled custom template and where it came from.</summary>
internal sealed record CompiledTemplate(string Name, string Origin, HandlebarsTemplate<TextWriter, object, object> Template);
