using System.Globalization;
using System.Text.RegularExpressions;

namespace GatewayErrors;

/// <summary>
/// Finds where in a template a Handlebars.Net compile error is, as 1-based line and column.
/// </summary>
/// <remarks>
/// Handlebars.Net 2.4 gives a position only for tokenizer errors ("Occured at: line:column", both 0-based, pointing at
/// where reading stopped); block errors ("... was not closed", "closing element ... without a matching open element")
/// come without one. For those we scan the block tags ourselves and point at the unmatched one.
/// </remarks>
internal static partial class TemplateErrorLocator
{
    public static (int Line, int Column)? Locate(string source, Exception exception)
    {
        var match = OccurredAt().Match(exception.Message);
        if (match.Success)
        {
            var line = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var column = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            return (line + 1, column + 1);
        }

        return FindUnbalancedBlock(source) is { } offset ? ToLineColumn(source, offset) : null;
    }

    /// <summary>The offset of the first closing tag that matches nothing, or of the innermost block never closed.</summary>
    internal static int? FindUnbalancedBlock(string source)
    {
        var open = new Stack<(string Name, int Offset)>();
        var index = 0;
        while ((index = source.IndexOf("{{", index, StringComparison.Ordinal)) >= 0)
        {
            var start = index;
            if (string.CompareOrdinal(source, index, "{{!--", 0, 5) == 0)
            {
                var endComment = source.IndexOf("--}}", index + 5, StringComparison.Ordinal);
                index = endComment < 0 ? source.Length : endComment + 4;
                continue;
            }

            var end = source.IndexOf("}}", index + 2, StringComparison.Ordinal);
            if (end < 0)
            {
                return start;
            }

            var tag = source[(index + 2)..end].Trim('{', '~', ' ', '\t', '\r', '\n');
            index = end + 2;
            if (tag.Length < 2 || tag[0] is not ('#' or '^' or '/'))
            {
                continue;
            }

            var name = tag[1..].TrimStart('>', '*', ' ', '\t', '\r', '\n');
            var space = name.AsSpan().IndexOfAny(" \t\r\n");
            name = space < 0 ? name : name[..space];
            if (tag[0] == '/')
            {
                if (open.Count == 0 || !open.Peek().Name.Equals(name, StringComparison.Ordinal))
                {
                    return start;
                }

                open.Pop();
            }
            else if (name.Length > 0)
            {
                open.Push((name, start));
            }
        }

        return open.Count > 0 ? open.Peek().Offset : null;
    }

    internal static (int Line, int Column) ToLineColumn(string source, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, offset - lineStart + 1);
    }

    [GeneratedRegex(@"Occured at:\s*(\d+):(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex OccurredAt();
}
