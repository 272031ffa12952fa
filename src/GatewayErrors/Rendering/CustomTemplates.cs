using System.Globalization;
using Microsoft.Extensions.FileProviders;
using Scriban;
using Scriban.Syntax;

namespace GatewayErrors;

/// <summary>One custom template's text and where it came from (for messages).</summary>
/// <param name="Name">The template name: the file name without <c>.sbn-html</c>, or the key in <see cref="GatewayErrorsOptions.Templates"/>.</param>
/// <param name="Origin">Where it came from, as a person would find it: a path below the content root, or a configuration key.</param>
/// <param name="Text">The template source.</param>
internal sealed record TemplateSource(string Name, string Origin, string Text);

/// <summary>
/// The custom templates of one configuration, parsed and checked: found by the most specific name first,
/// <c>&lt;error_type&gt;</c> &gt; <c>&lt;status&gt;</c> &gt; <c>error</c>, optionally wrapped in <c>layout</c>.
/// </summary>
internal sealed class CustomTemplates
{
    public const string ErrorName = "error";
    public const string LayoutName = "layout";

    /// <summary>Where the docs explain moving from the Handlebars templates of earlier builds.</summary>
    public const string MigrationDocs = "docs/themes-and-templates.md#moving-from-handlebars";

    private readonly ParsedTemplate?[] _byType;
    private readonly Dictionary<int, ParsedTemplate> _byStatus;
    private readonly ParsedTemplate? _error;

    private CustomTemplates(TemplateSet set, ParsedTemplate?[] byType, Dictionary<int, ParsedTemplate> byStatus, ParsedTemplate? error, ParsedTemplate? layout, int count)
    {
        Set = set;
        _byType = byType;
        _byStatus = byStatus;
        _error = error;
        Layout = layout;
        Content = set.Find(BuiltInTemplates.ContentPartial)!;
        Count = count;
    }

    /// <summary>Everything <c>include</c> reaches: the theme's pieces with the app's templates over them.</summary>
    public TemplateSet Set { get; }

    public ParsedTemplate? Layout { get; }

    /// <summary>The built-in content (or the app's own <c>gw-content</c>), what a layout wraps when no page template matches.</summary>
    public ParsedTemplate Content { get; }

    public int Count { get; }

    /// <summary>The page template for a response, or <see langword="null"/> to use the built-in page (or the layout around it).</summary>
    public ParsedTemplate? Find(GatewayErrorType type, int status)
    {
        var index = (int)type;
        if ((uint)index < (uint)_byType.Length && _byType[index] is { } byType)
        {
            return byType;
        }

        return _byStatus.TryGetValue(status, out var byStatus) ? byStatus : _error;
    }

    /// <summary>Every template that answers a response (pages and the layout), for the checks.</summary>
    public IEnumerable<ParsedTemplate> Pages => _byType.OfType<ParsedTemplate>().Concat(_byStatus.Values).Append(_error).Append(Layout).OfType<ParsedTemplate>();

    /// <summary>Whether a template name is a page (looked up per response) rather than only a partial.</summary>
    public static bool IsPageName(string name)
        => name.Equals(ErrorName, StringComparison.OrdinalIgnoreCase)
            || name.Equals(LayoutName, StringComparison.OrdinalIgnoreCase)
            || StatusOf(name) is not null
            || TypeOf(name) is not null;

    /// <summary>
    /// Reads the custom templates of a configuration: the folder, then the file provider, then the strings, a later
    /// source replacing an earlier one of the same name. A Handlebars file (<c>.hbs</c>) is an error: templates are Scriban.
    /// </summary>
    public static List<TemplateSource> Collect(GatewayErrorsOptions options, IFileProvider? folder, string? folderDisplay, List<string> errors)
    {
        var byName = new Dictionary<string, TemplateSource>(StringComparer.OrdinalIgnoreCase);
        if (folder is not null)
        {
            AddFiles(byName, folder, folderDisplay ?? "", "", errors);
        }

        if (options.TemplateFileProvider is { } provider)
        {
            AddFiles(byName, provider, "TemplateFileProvider:", "", errors);
        }

        foreach (var (name, text) in options.Templates)
        {
            var origin = $"{GatewayErrorsOptions.SectionName}:Templates:{name}";
            if (name.EndsWith(".hbs", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(HandlebarsFound(origin));
                continue;
            }

            var key = name.EndsWith(BuiltInTemplates.TemplateExtension, StringComparison.OrdinalIgnoreCase) ? name[..^BuiltInTemplates.TemplateExtension.Length] : name;
            byName[key] = new TemplateSource(key, origin, text ?? "");
        }

        return [.. byName.Values.OrderBy(static s => s.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>Parses the templates on top of <paramref name="theme"/>'s pieces.</summary>
    /// <returns>The parsed set, or <see langword="null"/> with <paramref name="errors"/> filled in (file, line and column).</returns>
    public static CustomTemplates? Parse(IReadOnlyList<TemplateSource> sources, ThemeTemplates theme, List<string> errors)
    {
        var before = errors.Count;
        var parsed = new List<ParsedTemplate>(sources.Count);
        foreach (var source in sources)
        {
            if (LooksLikeHandlebars(source.Text) is { } offset)
            {
                var (line, column) = LineAndColumn(source.Text, offset);
                errors.Add($"Error page template '{source.Origin}' looks like Handlebars at {Position(line, column)} ('{{{{>', '{{{{#' or '{{{{/'); templates are Scriban now, see {MigrationDocs}.");
                continue;
            }

            var template = Template.Parse(source.Text, source.Origin);
            if (template.HasErrors)
            {
                foreach (var message in template.Messages)
                {
                    errors.Add($"Error page template '{source.Origin}' does not parse at {Position(message.Span.Start.Line, message.Span.Start.Column)}: {message.Message}");
                }

                continue;
            }

            parsed.Add(new ParsedTemplate(source.Name, source.Origin, template));
        }

        if (errors.Count > before)
        {
            return null;
        }

        var byType = new ParsedTemplate?[Enum.GetValues<GatewayErrorType>().Length];
        var byStatus = new Dictionary<int, ParsedTemplate>();
        ParsedTemplate? error = null;
        ParsedTemplate? layout = null;
        foreach (var template in parsed)
        {
            if (template.Name.Equals(LayoutName, StringComparison.OrdinalIgnoreCase))
            {
                layout = template;
            }
            else if (template.Name.Equals(ErrorName, StringComparison.OrdinalIgnoreCase))
            {
                error = template;
            }
            else if (StatusOf(template.Name) is { } status)
            {
                byStatus[status] = template;
            }
            else if (TypeOf(template.Name) is { } type)
            {
                byType[(int)type] = template;
            }
        }

        return new CustomTemplates(theme.Pieces.With(parsed), byType, byStatus, error, layout, sources.Count);
    }

    /// <summary>Describes a render failure for a person: the template, where in it, and what went wrong.</summary>
    public static string Describe(ParsedTemplate page, Exception exception)
    {
        var where = exception is ScriptRuntimeException { Span: { IsEmpty: false } span }
            ? span.FileName == page.Origin || string.IsNullOrEmpty(span.FileName)
                ? $"'{page.Origin}' at {Position(span.Start.Line, span.Start.Column)}"
                : $"'{page.Origin}', in '{span.FileName}' at {Position(span.Start.Line, span.Start.Column)}"
            : $"'{page.Origin}'";
        var message = exception is ScriptRuntimeException runtime ? runtime.OriginalMessage : exception.Message;
        return $"{where}: {message.ReplaceLineEndings(" ").Trim()}";
    }

    /// <summary>Which of Scriban's limits (or GatewayErrors' time budget) a failure broke, for the log's summary.</summary>
    public static string LimitOf(Exception exception) => exception switch
    {
        ScriptAbortException or OperationCanceledException or System.Text.RegularExpressions.RegexMatchTimeoutException => "time budget",
        // Scriban wraps what a function throws (a regex past its timeout) in a ScriptRuntimeException.
        ScriptRuntimeException { InnerException: OperationCanceledException or System.Text.RegularExpressions.RegexMatchTimeoutException } => "time budget",
        ScriptRuntimeException { OriginalMessage: var m } when m.Contains("Regex engine has timed out", StringComparison.Ordinal) => "time budget",
        ScriptRuntimeException { OriginalMessage: var m } when m.Contains("iteration limit", StringComparison.OrdinalIgnoreCase) => nameof(TemplateLimits.LoopLimit),
        ScriptRuntimeException { OriginalMessage: var m } when m.Contains("recursive", StringComparison.OrdinalIgnoreCase) => nameof(TemplateLimits.RecursiveLimit),
        ScriptRuntimeException { OriginalMessage: var m } when m.Contains("LimitToString", StringComparison.Ordinal) => nameof(TemplateLimits.LimitToString),
        ArgumentOutOfRangeException or InvalidOperationException when exception.Message.Contains("LimitToString", StringComparison.Ordinal) => nameof(TemplateLimits.LimitToString),
        ScriptRuntimeException { OriginalMessage: var m } when m.StartsWith("include ", StringComparison.Ordinal) => "include",
        InsufficientExecutionStackException => nameof(TemplateLimits.RecursiveLimit),
        _ => "error",
    };

    internal static string HandlebarsFound(string origin)
        => $"Error page template '{origin}' is a Handlebars template (.hbs). Templates are Scriban now (.sbn-html); see {MigrationDocs}.";

    private static string Position(int line, int column)
        => string.Create(CultureInfo.InvariantCulture, $"line {line + 1}, column {column + 1}");

    private static int? LooksLikeHandlebars(string text)
    {
        int? first = null;
        foreach (var marker in (ReadOnlySpan<string>)["{{>", "{{#", "{{/", "{{{"])
        {
            for (var at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + 1, StringComparison.Ordinal))
            {
                // '{{##' opens a Scriban comment, not a Handlebars block.
                if (marker == "{{#" && at + 3 < text.Length && text[at + 3] == '#')
                {
                    continue;
                }

                first = first is { } earlier ? Math.Min(earlier, at) : at;
                break;
            }
        }

        return first;
    }

    private static (int Line, int Column) LineAndColumn(string text, int offset)
    {
        var line = 0;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, offset - lineStart);
    }

    private static void AddFiles(Dictionary<string, TemplateSource> byName, IFileProvider provider, string display, string subPath, List<string> errors)
    {
        foreach (var file in provider.GetDirectoryContents(subPath))
        {
            var relative = subPath.Length == 0 ? file.Name : subPath + "/" + file.Name;
            if (file.IsDirectory)
            {
                // One level of folders (partials/, shared/…) is enough to organise a handful of templates.
                if (subPath.Length == 0)
                {
                    AddFiles(byName, provider, display, file.Name, errors);
                }

                continue;
            }

            if (file.Name.EndsWith(".hbs", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(HandlebarsFound(display + relative));
                continue;
            }

            if (!file.Name.EndsWith(BuiltInTemplates.TemplateExtension, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            using var stream = file.CreateReadStream();
            using var reader = new StreamReader(stream);
            var name = file.Name[..^BuiltInTemplates.TemplateExtension.Length];
            byName[name] = new TemplateSource(name, display + relative, reader.ReadToEnd());
        }
    }

    internal static int? StatusOf(string name)
        => name.Length == 3 && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 100 and <= 599
            ? status
            : null;

    internal static GatewayErrorType? TypeOf(string name)
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
