using Scriban;

namespace GatewayErrors;

/// <summary>A parsed template and where it came from (for messages and logs).</summary>
/// <param name="Name">The name <c>include</c> and the selection rule use: the file name without <c>.sbn-html</c>.</param>
/// <param name="Origin">Where it came from, as a person would find it: a path below the content root, a configuration key, or <c>built-in:</c>.</param>
/// <param name="Template">The parsed template; rendering it never changes it, so one is shared by every render.</param>
internal sealed record ParsedTemplate(string Name, string Origin, Template Template);

/// <summary>The templates one render can include, by name (case-insensitive): the theme's pieces, then the app's over them.</summary>
internal sealed class TemplateSet
{
    private readonly Dictionary<string, ParsedTemplate> _byName;

    public TemplateSet(IEnumerable<ParsedTemplate> templates)
    {
        _byName = new Dictionary<string, ParsedTemplate>(StringComparer.OrdinalIgnoreCase);
        foreach (var template in templates)
        {
            _byName[template.Name] = template;
        }
    }

    public IEnumerable<ParsedTemplate> All => _byName.Values;

    public ParsedTemplate? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>This set with <paramref name="templates"/> added, replacing pieces of the same name.</summary>
    public TemplateSet With(IEnumerable<ParsedTemplate> templates) => new(_byName.Values.Concat(templates));
}
