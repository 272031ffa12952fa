using System.Text.RegularExpressions;

namespace GatewayErrors.Tests.Rendering;

public partial class TemplateDocsTests
{
    [Fact]
    public void Docs_ListEveryErrorTypeAndEveryTemplateVariable()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "themes-and-templates.md"));

        foreach (var type in Enum.GetValues<GatewayErrorType>())
        {
            Assert.Contains($"`{ErrorTaxonomy.Get(type).Name}`", docs, StringComparison.Ordinal);
        }

        foreach (var name in PageModel.VariableNames())
        {
            Assert.True(docs.Contains($"`{name}`", StringComparison.Ordinal), $"docs/themes-and-templates.md does not document `{name}`");
        }

        foreach (var key in PageTexts.ChromeKeys)
        {
            var name = PageModel.SnakeCase(key);
            Assert.True(docs.Contains($"`text.{name}`", StringComparison.Ordinal), $"docs/themes-and-templates.md does not document `text.{name}`");
        }

        foreach (var property in typeof(GatewayErrorBrandingOptions).GetProperties()
            .Concat(typeof(GatewayErrorsOptions).GetProperties().Where(p => p.Name is "Theme" or "TemplatesPath" or "TemplateFileProvider" or "Templates" or "ShowTroubleshooting")))
        {
            Assert.True(docs.Contains(property.Name, StringComparison.Ordinal), $"docs/themes-and-templates.md does not document {property.Name}");
        }

        foreach (Match match in LogEventId().Matches(File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "GatewayErrors", "Diagnostics", "Logging", "Log.cs"))))
        {
            var id = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (id is >= 100 and < 200)
            {
                Assert.Contains($"| {id} |", docs, StringComparison.Ordinal);
            }
        }
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GatewayErrors.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("GatewayErrors.sln not found above the test output folder.");
    }

    [GeneratedRegex(@"\[LoggerMessage\((\d+),")]
    private static partial Regex LogEventId();
}
