// Fails the build when a C# block in the docs and its compiled copy in this project differ.
//
// In markdown, every ```csharp block is preceded by   <!-- snippet: some-id -->
// In this project, the same code sits between          #region snippet: some-id   and   #endregion
// Both are compared line by line after removing their common indentation and trailing spaces.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class CheckDocSnippets : Task
{
    private static readonly Regex Marker = new Regex(@"^\s*<!--\s*snippet:\s*(?<id>\S+)\s*-->\s*$");
    private static readonly Regex Fence = new Regex(@"^(?<indent>\s*)```(?<lang>[A-Za-z0-9+#-]*)\s*$");
    private static readonly Regex RegionStart = new Regex(@"^\s*#region\s+snippet:\s*(?<id>\S+)\s*$");
    private static readonly Regex RegionEnd = new Regex(@"^\s*#endregion\b");

    [Required]
    public ITaskItem[] Markdown { get; set; }

    [Required]
    public ITaskItem[] Code { get; set; }

    public override bool Execute()
    {
        var compiled = new Dictionary<string, Tuple<string, List<string>>>(StringComparer.Ordinal);
        foreach (var item in Code)
        {
            var path = item.GetMetadata("FullPath");
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                var start = RegionStart.Match(lines[i]);
                if (!start.Success)
                {
                    continue;
                }

                var id = start.Groups["id"].Value;
                var body = new List<string>();
                var j = i + 1;
                while (j < lines.Length && !RegionEnd.IsMatch(lines[j]))
                {
                    body.Add(lines[j]);
                    j++;
                }

                if (j == lines.Length)
                {
                    Log.LogError(null, "DOCSNIP01", null, path, i + 1, 0, 0, 0, "#region snippet: {0} has no #endregion.", id);
                }
                else if (compiled.ContainsKey(id))
                {
                    Log.LogError(null, "DOCSNIP02", null, path, i + 1, 0, 0, 0, "Snippet '{0}' is defined twice (also in {1}).", id, compiled[id].Item1);
                }
                else
                {
                    compiled[id] = Tuple.Create(path, Normalize(body));
                }

                i = j;
            }
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in Markdown)
        {
            var path = item.GetMetadata("FullPath");
            if (!File.Exists(path))
            {
                continue;
            }

            var lines = File.ReadAllLines(path);
            string pending = null;
            for (var i = 0; i < lines.Length; i++)
            {
                var marker = Marker.Match(lines[i]);
                if (marker.Success)
                {
                    pending = marker.Groups["id"].Value;
                    continue;
                }

                var fence = Fence.Match(lines[i]);
                if (!fence.Success)
                {
                    if (lines[i].Trim().Length > 0)
                    {
                        pending = null;
                    }

                    continue;
                }

                var lang = fence.Groups["lang"].Value;
                var body = new List<string>();
                var j = i + 1;
                while (j < lines.Length && !(Fence.IsMatch(lines[j]) && Fence.Match(lines[j]).Groups["lang"].Value.Length == 0))
                {
                    body.Add(lines[j]);
                    j++;
                }

                if (string.Equals(lang, "csharp", StringComparison.OrdinalIgnoreCase) || string.Equals(lang, "cs", StringComparison.OrdinalIgnoreCase))
                {
                    Compare(path, i + 1, pending, Normalize(body), compiled, used);
                }

                pending = null;
                i = j;
            }
        }

        foreach (var entry in compiled)
        {
            if (!used.Contains(entry.Key))
            {
                Log.LogError(null, "DOCSNIP03", null, entry.Value.Item1, 0, 0, 0, 0,
                    "Snippet '{0}' is not shown in any doc: remove it, or show it with <!-- snippet: {0} --> before a ```csharp block.", entry.Key);
            }
        }

        return !Log.HasLoggedErrors;
    }

    private void Compare(string path, int line, string id, List<string> shown, Dictionary<string, Tuple<string, List<string>>> compiled, HashSet<string> used)
    {
        if (id == null)
        {
            Log.LogError(null, "DOCSNIP04", null, path, line, 0, 0, 0,
                "This ```csharp block is not compiled: put <!-- snippet: <id> --> on the line before it and the same code in docs/snippets between #region snippet: <id> and #endregion.");
            return;
        }

        Tuple<string, List<string>> code;
        if (!compiled.TryGetValue(id, out code))
        {
            Log.LogError(null, "DOCSNIP05", null, path, line, 0, 0, 0, "Snippet '{0}' has no #region snippet: {0} in docs/snippets.", id);
            return;
        }

        used.Add(id);
        var count = Math.Max(shown.Count, code.Item2.Count);
        for (var k = 0; k < count; k++)
        {
            var a = k < shown.Count ? shown[k] : "<end of block>";
            var b = k < code.Item2.Count ? code.Item2[k] : "<end of region>";
            if (a != b)
            {
                Log.LogError(null, "DOCSNIP06", null, path, line + 1 + k, 0, 0, 0,
                    "Snippet '{0}' differs from its compiled copy in {1}, snippet line {2}:\n  doc:  {3}\n  code: {4}", id, code.Item1, k + 1, a, b);
                return;
            }
        }
    }

    // Removes the common indentation, trailing spaces, and blank lines at either end.
    private static List<string> Normalize(List<string> lines)
    {
        var trimmed = lines.Select(l => l.TrimEnd()).ToList();
        while (trimmed.Count > 0 && trimmed[0].Length == 0)
        {
            trimmed.RemoveAt(0);
        }

        while (trimmed.Count > 0 && trimmed[trimmed.Count - 1].Length == 0)
        {
            trimmed.RemoveAt(trimmed.Count - 1);
        }

        var indent = trimmed.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return trimmed.Select(l => l.Length >= indent ? l.Substring(indent) : l).ToList();
    }
}
