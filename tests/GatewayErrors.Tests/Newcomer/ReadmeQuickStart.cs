using System.Text.RegularExpressions;

namespace GatewayErrors.Tests.Newcomer;

/// <summary>
/// The quick start as a newcomer reads it in a README: the first <c>```csharp</c> block (a complete Program.cs) and the
/// first <c>```http</c> block (the answer it promises).
/// </summary>
internal sealed partial class ReadmeQuickStart
{
    private ReadmeQuickStart(string program, int status, IReadOnlyDictionary<string, string> headers, IReadOnlyDictionary<string, string> bodyFields)
    {
        Program = program;
        Status = status;
        Headers = headers;
        BodyFields = bodyFields;
    }

    /// <summary>The first C# block, verbatim.</summary>
    public string Program { get; }

    /// <summary>The status code of the promised answer.</summary>
    public int Status { get; }

    /// <summary>The headers of the promised answer, as written.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The <c>"name":value</c> pairs written in the promised body (strings keep their quotes).</summary>
    public IReadOnlyDictionary<string, string> BodyFields { get; }

    public static string FirstBlock(string markdown, string language, string source)
    {
        var match = Regex.Match(markdown.ReplaceLineEndings("\n"), $"^```{language}\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"{source} has no ```{language} block.");
    }

    public static ReadmeQuickStart Parse(string markdown, string source)
    {
        var program = FirstBlock(markdown, "csharp", source);
        var answer = FirstBlock(markdown, "http", source).Split('\n');

        var statusLine = StatusLine().Match(answer[0]);
        if (!statusLine.Success)
        {
            throw new InvalidOperationException($"The first ```http block of {source} does not start with a status line: '{answer[0]}'.");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var line = 1;
        for (; line < answer.Length && answer[line].Length > 0; line++)
        {
            var colon = answer[line].IndexOf(':', StringComparison.Ordinal);
            headers[answer[line][..colon].Trim()] = answer[line][(colon + 1)..].Trim();
        }

        var body = string.Join('\n', answer.Skip(line));
        var fields = BodyField().Matches(body).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value, StringComparer.Ordinal);
        return new ReadmeQuickStart(program, int.Parse(statusLine.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), headers, fields);
    }

    [GeneratedRegex(@"^HTTP/\d(?:\.\d)? (\d{3})\b")]
    private static partial Regex StatusLine();

    [GeneratedRegex("\"(?<name>\\w+)\":(?<value>\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d+)")]
    private static partial Regex BodyField();
}
