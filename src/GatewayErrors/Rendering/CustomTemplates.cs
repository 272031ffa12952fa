using System.Globalization;
using Microsoft.Extensions.FileProviders;
using Scriban;
using Scriban.Syntax;

namespace GatewayErrors;

/// <summary>One custom template's text and where it came from (for messages).</summary>
/// <param name="Name">The template name: the file name without <c>.sbn-html</c>, or the key in <see cref="GatewayErrorsOptions.Templates"/>.</param>
/// <param name="Origin">Where it came from, as a person would find it: a path below the content root, or a configuration key.</param>
/// <param name="Text">The template source.</param>
/// <param name="PageSet">The page set it belongs to (its folder, or the prefix of its key), or <see langword="null"/> for the site's templates.</param>
internal sealed record TemplateSource(string Name, string Origin, string Text, string? PageSet = null);

/// <summary>
/// The custom templates of one configuration, parsed and checked: found by the most specific name first,
/// <c>&lt;error_type&gt;</c> &gt; <c>&lt;status&gt;</c> &gt; <c>error</c>, optionally wrapped in <c>layout</c>. The site's
/// templates hold their page sets; a page set's templates are looked up first, then the site's.
/// </summary>
/// <remarks>
/// A page set is a first-level folder of the templates (or a <c>set/name</c> key) that holds at least one page template
/// (<c>error</c>, <c>layout</c>, a status or an error type). A folder that holds only partials stays what it was before
/// page sets: a place to keep the site's partials (<c>partials/footer.sbn-html</c> is <c>footer</c>).
/// </remarks>
internal sealed class CustomTemplates
{
    public const string ErrorName = "error";
    public const string LayoutName = "layout";

    /// <summary>Where the docs explain moving from the Handlebars templates of earlier builds.</summary>
    public const string MigrationDocs = "docs/themes-and-templates.md#moving-from-handlebars";

    private readonly ParsedTemplate?[] _byType;
    private readonly Dictionary<int, ParsedTemplate> _byStatus;
    private readonly ParsedTemplate? _error;
    private readonly CustomTemplates? _site;
    private readonly Dictionary<string, CustomTemplates> _pageSets = new(StringComparer.OrdinalIgnoreCase);

    private CustomTemplates(TemplateSet set, ParsedTemplate?[] byType, Dictionary<int, ParsedTemplate> byStatus, ParsedTemplate? error, ParsedTemplate? layout, int count,
        CustomTemplates? site = null, string? pageSet = null)
    {
        Set = set;
        _byType = byType;
        _byStatus = byStatus;
        _error = error;
        _site = site;
        PageSet = pageSet;
        Layout = layout ?? site?.Layout;
        Content = set.Find(BuiltInTemplates.ContentPartial)!;
        Count = count;
    }

    /// <summary>The page set these templates are, or <see langword="null"/> for the site's.</summary>
    public string? PageSet { get; }

    /// <summary>The names of the site's page sets, in order.</summary>
    public IReadOnlyList<string> PageSetNames => [.. _pageSets.Keys.Order(StringComparer.OrdinalIgnoreCase)];

    /// <summary>The site's templates and every page set's, for the checks.</summary>
    public IEnumerable<CustomTemplates> AllSets => _pageSets.Values.Prepend(this);

    /// <summary>Whether the site has a page set of that name.</summary>
    public bool HasPageSet(string name) => _pageSets.ContainsKey(name);

    /// <summary>
    /// The templates of a page set, or the site's when <paramref name="pageSet"/> is <see langword="null"/> or unknown
    /// (the start-up check stops an unknown name; one removed by a later reload falls back to the site's pages).
    /// </summary>
    public CustomTemplates For(string? pageSet)
        => pageSet is not null && _pageSets.TryGetValue(pageSet, out var templates) ? templates : this;

    /// <summary>Everything <c>include</c> reaches: the theme's pieces with the app's templates over them.</summary>
    public TemplateSet Set { get; }

    public ParsedTemplate? Layout { get; }

    /// <summary>The built-in content (or the app's own <c>gw-content</c>), what a layout wraps when no page template matches.</summary>
    public ParsedTemplate Content { get; }

    /// <summary>How many templates were read (the site's and every page set's).</summary>
    public int Count { get; private set; }

    /// <summary>The page template for a response, or <see langword="null"/> to use the built-in page (or the layout around it).</summary>
    public ParsedTemplate? Find(GatewayErrorType type, int status)
    {
        var index = (int)type;
        if ((uint)index < (uint)_byType.Length && _byType[index] is { } byType)
        {
            return byType;
        }

        // The same rule inside the page set first, then in the site's templates.
        return _byStatus.TryGetValue(status, out var byStatus) ? byStatus : _error ?? _site?.Find(type, status);
    }

    /// <summary>The statuses with a template of their own (<c>504.sbn-html</c>) here or in the site's templates, for the preview.</summary>
    public IEnumerable<int> Statuses => _byStatus.Keys.Concat(_site?.Statuses ?? []).Distinct();

    /// <summary>Every template that answers a response (pages and the layout), for the checks; a page set's include the site's it falls back to.</summary>
    public IEnumerable<ParsedTemplate> Pages => _byType.OfType<ParsedTemplate>().Concat(_byStatus.Values).Append(_error).Append(Layout).OfType<ParsedTemplate>()
        .Concat(_site?.Pages ?? []).Distinct();

    /// <summary>Whether a template name is a page (looked up per response) rather than only a partial.</summary>
    public static bool IsPageName(string name)
        => name.Equals(ErrorName, StringComparison.OrdinalIgnoreCase)
            || name.Equals(LayoutName, StringComparison.OrdinalIgnoreCase)
            || StatusOf(name) is not null
            || TypeOf(name) is not null;

    /// <summary>
    /// Reads the custom templates of a configuration: the folder, then the file provider, then the strings, a later
    /// source replacing an earlier one of the same name and page set. A Handlebars file (<c>.hbs</c>) is an error:
    /// templates are Scriban.
    /// </summary>
    public static List<TemplateSource> Collect(GatewayErrorsOptions options, IFileProvider? folder, string? folderDisplay, List<string> errors)
    {
        var byName = new Dictionary<(string? PageSet, string Name), TemplateSource>(NameComparer.Instance);
        if (folder is not null)
        {
            AddFiles(byName, folder, folderDisplay ?? "", errors);
        }

        if (options.TemplateFileProvider is { } provider)
        {
            AddFiles(byName, provider, "TemplateFileProvider:", errors);
        }

        foreach (var (name, text) in options.Templates)
        {
            var origin = $"{GatewayErrorsOptions.SectionName}:Templates:{name}";
            if (name.EndsWith(".hbs", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(HandlebarsFound(origin));
                continue;
            }

            // "checkout/502" is the page set checkout's 502, as the file checkout/502.sbn-html would be.
            var key = name.EndsWith(BuiltInTemplates.TemplateExtension, StringComparison.OrdinalIgnoreCase) ? name[..^BuiltInTemplates.TemplateExtension.Length] : name;
            string? pageSet = null;
            if (key.IndexOf('/') is var slash and >= 0)
            {
                pageSet = key[..slash];
                key = key[(slash + 1)..];
                if (!IsValidPageSetName(pageSet) || key.Length == 0 || key.Contains('/', StringComparison.Ordinal))
                {
                    errors.Add($"Error page template key '{origin}' is not '<name>' or '<page set>/<name>'.");
                    continue;
                }
            }

            byName[(pageSet, key)] = new TemplateSource(key, origin, text ?? "", pageSet);
        }

        return [.. byName.Values.OrderBy(static s => s.PageSet, StringComparer.OrdinalIgnoreCase).ThenBy(static s => s.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>Whether <paramref name="name"/> can name a page set: a folder name, without separators or dots only.</summary>
    public static bool IsValidPageSetName(string? name)
        => !string.IsNullOrWhiteSpace(name)
            && name.Trim() == name
            && name.IndexOfAny(['/', '\\', ':', '*', '?', '"', '<', '>', '|']) < 0
            && name.Trim('.').Length > 0;

    /// <summary>Parses the templates on top of <paramref name="theme"/>'s pieces.</summary>
    /// <returns>The parsed set, or <see langword="null"/> with <paramref name="errors"/> filled in (file, line and column).</returns>
    public static CustomTemplates? Parse(IReadOnlyList<TemplateSource> sources, ThemeTemplates theme, List<string> errors)
    {
        var before = errors.Count;
        var parsed = new List<(TemplateSource Source, ParsedTemplate Template)>(sources.Count);
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

            parsed.Add((source, new ParsedTemplate(source.Name, source.Origin, template)));
        }

        if (errors.Count > before)
        {
            return null;
        }

        var site = Build(theme.Pieces, [.. parsed.Where(static p => p.Source.PageSet is null)], sources.Count(static s => s.PageSet is null), site: null, pageSet: null);
        foreach (var group in parsed.Where(static p => p.Source.PageSet is not null).GroupBy(static p => p.Source.PageSet!, StringComparer.OrdinalIgnoreCase))
        {
            var set = Build(site.Set, [.. group], group.Count(), site, group.Key);
            site._pageSets[group.Key] = set;
        }

        site.Count = sources.Count;
        return site;
    }

    private static CustomTemplates Build(TemplateSet over, List<(TemplateSource Source, ParsedTemplate Template)> parsed, int count, CustomTemplates? site, string? pageSet)
    {
        var byType = new ParsedTemplate?[Enum.GetValues<GatewayErrorType>().Length];
        var byStatus = new Dictionary<int, ParsedTemplate>();
        ParsedTemplate? error = null;
        ParsedTemplate? layout = null;
        foreach (var (_, template) in parsed)
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

        // A page set's partials replace the site's of the same name inside the page set only.
        return new CustomTemplates(over.With(parsed.Select(static p => p.Template)), byType, byStatus, error, layout, count, site, pageSet);
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

    private static void AddFiles(Dictionary<(string? PageSet, string Name), TemplateSource> byName, IFileProvider provider, string display, List<string> errors)
    {
        foreach (var file in provider.GetDirectoryContents(""))
        {
            if (!file.IsDirectory)
            {
                AddFile(byName, file, display + file.Name, pageSet: null, errors);
                continue;
            }

            // One level of folders. A folder with a page template in it is a page set; one with partials only is a place
            // to keep the site's partials (partials/footer.sbn-html is "footer"), as it was before page sets.
            var inFolder = new Dictionary<(string? PageSet, string Name), TemplateSource>(NameComparer.Instance);
            foreach (var inner in provider.GetDirectoryContents(file.Name))
            {
                if (!inner.IsDirectory)
                {
                    AddFile(inFolder, inner, display + file.Name + "/" + inner.Name, pageSet: null, errors);
                }
            }

            var isPageSet = inFolder.Keys.Any(static k => IsPageName(k.Name));
            foreach (var source in inFolder.Values)
            {
                var placed = isPageSet ? source with { PageSet = file.Name } : source;
                byName[(placed.PageSet, placed.Name)] = placed;
            }
        }
    }

    private static void AddFile(Dictionary<(string? PageSet, string Name), TemplateSource> byName, IFileInfo file, string origin, string? pageSet, List<string> errors)
    {
        if (file.Name.EndsWith(".hbs", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(HandlebarsFound(origin));
            return;
        }

        if (!file.Name.EndsWith(BuiltInTemplates.TemplateExtension, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        using var stream = file.CreateReadStream();
        using var reader = new StreamReader(stream);
        var name = file.Name[..^BuiltInTemplates.TemplateExtension.Length];
        byName[(pageSet, name)] = new TemplateSource(name, origin, reader.ReadToEnd(), pageSet);
    }

    /// <summary>Template and page-set names are case-insensitive, as include and the selection rule are.</summary>
    private sealed class NameComparer : IEqualityComparer<(string? PageSet, string Name)>
    {
        public static readonly NameComparer Instance = new();

        public bool Equals((string? PageSet, string Name) x, (string? PageSet, string Name) y)
            => string.Equals(x.PageSet, y.PageSet, StringComparison.OrdinalIgnoreCase) && string.Equals(x.Name, y.Name, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode((string? PageSet, string Name) obj)
            => HashCode.Combine(obj.PageSet is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(obj.PageSet), StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Name));
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
