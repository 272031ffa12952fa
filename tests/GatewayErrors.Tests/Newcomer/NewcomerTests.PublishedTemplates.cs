using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Xunit.Sdk;

namespace GatewayErrors.Tests.Newcomer;

/// <summary>
/// A newcomer who customised the pages publishes the app: the templates folder must travel with it, or the published app
/// stops at start-up because <c>TemplatesPath</c> names a folder that is not there.
/// </summary>
public sealed partial class NewcomerTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task PublishedApp_WithTemplatesInErrorPages_StartsAndServesThem_BecauseThePackagePublishesTheFolder()
    {
        var readme = ReadmeQuickStart.Parse(File.ReadAllText(RepositoryRoot.Combine("README.md")), "README.md");
        await InWorkFolderAsync("gatewayerrors-publish-", "The newcomer's folder", work => PublishAndRunAsync(readme, work));
    }

    [Fact]
    public async Task CustomThemeSample_PublishesItsTemplatesFolder()
    {
        // Evaluation only (no build): which items the sample's project would publish, and how.
        var json = await DotnetProcess.RunAsync(RepositoryRoot.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2),
            "msbuild", RepositoryRoot.Combine("samples", "CustomTheme", "CustomTheme.csproj"), "-getItem:None", "-getItem:Content", "-tl:off", "-nologo");
        using var document = System.Text.Json.JsonDocument.Parse(json[json.IndexOf('{', StringComparison.Ordinal)..]);
        var published = document.RootElement.GetProperty("Items").EnumerateObject()
            .SelectMany(static type => type.Value.EnumerateArray())
            .Where(static item => item.TryGetProperty("CopyToPublishDirectory", out var copy) && copy.GetString() is "PreserveNewest" or "Always")
            .Select(static item => item.GetProperty("Identity").GetString()!.Replace('\\', '/'))
            .ToHashSet(StringComparer.Ordinal);

        var templates = RepositoryRoot.Combine("samples", "CustomTheme", "templates");
        var files = Directory.EnumerateFiles(templates, "*", SearchOption.AllDirectories).ToArray();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var relative = "templates/" + Path.GetRelativePath(templates, file).Replace('\\', '/');
            Assert.True(published.Contains(relative), $"dotnet publish of the CustomTheme sample would leave {relative} behind.");
        }
    }

    private async Task PublishAndRunAsync(ReadmeQuickStart readme, string work)
    {
        _clock.Start();
        var feed = Directory.CreateDirectory(Path.Combine(work, "feed")).FullName;
        var appDirectory = Path.Combine(work, "app");
        var publish = Path.Combine(work, "publish");
        var newcomer = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(work, "packages") };

        var suffix = "publish." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        await DotnetProcess.RunAsync(RepositoryRoot.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(5),
            "pack", RepositoryRoot.Combine("src", "GatewayErrors"), "-c", "Release", "-o", feed, "-tl:off",
            $"-p:VersionSuffix={suffix}", "--artifacts-path", Path.Combine(work, "artifacts"));
        var nupkg = Directory.GetFiles(feed, $"{PackageId}.*.nupkg").Single();
        var version = Path.GetFileNameWithoutExtension(nupkg)[(PackageId.Length + 1)..];
        using (var package = System.IO.Compression.ZipFile.OpenRead(nupkg))
        {
            var entries = package.Entries.Select(static e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("build/GatewayErrors.targets", entries);
            Assert.Contains("buildTransitive/GatewayErrors.targets", entries);
        }

        Step($"packed {version}");

        var sources = await MachineSourcesAsync(work);
        await DotnetProcess.RunAsync(work, newcomer, TimeSpan.FromMinutes(2),
            "new", "web", "-o", appDirectory, "-n", "NewcomerApp", "--no-restore", "--no-update-check");
        await File.WriteAllTextAsync(Path.Combine(appDirectory, "nuget.config"), NuGetConfig(feed, sources));
        await DotnetProcess.RunAsync(appDirectory, newcomer, TimeSpan.FromMinutes(3), "add", "package", PackageId, "--version", version);
        await File.WriteAllTextAsync(Path.Combine(appDirectory, "Program.cs"), readme.Program);
        Step("dotnet new web, add package, the README's Program.cs");

        // The CustomTheme sample's templates (a layout, a 502 page, a partial in a subfolder), in the folder the docs name,
        // configured the way the docs say: appsettings.json, which the web template already publishes.
        var templates = RepositoryRoot.Combine("samples", "CustomTheme", "templates");
        var files = Directory.EnumerateFiles(templates, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(templates, f)).ToArray();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var target = Path.Combine(appDirectory, "ErrorPages", file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(templates, file), target);
        }

        await File.WriteAllTextAsync(Path.Combine(appDirectory, "appsettings.json"), """
            { "GatewayErrors": { "TemplatesPath": "ErrorPages" } }
            """);

        await DotnetProcess.RunAsync(appDirectory, newcomer, TimeSpan.FromMinutes(5), "publish", "-c", "Release", "-o", publish, "-tl:off");
        Step("dotnet publish");
        foreach (var file in files)
        {
            Assert.True(File.Exists(Path.Combine(publish, "ErrorPages", file)), $"dotnet publish left ErrorPages/{file} behind.");
        }

        // Run the published app the way a server does: from its folder, which is then the content root.
        await using var refused = await RefusedPort.StartAsync();
        var environment = new Dictionary<string, string?>(newcomer)
        {
            ["CatalogUrl"] = refused.BaseAddress.ToString(),
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        };
        await using var app = DotnetProcess.Start(publish, environment, Path.Combine(publish, "NewcomerApp.dll"));
        var listening = await app.WaitForLineAsync(static l => l.Contains("Now listening on:", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var address = new Uri(ListeningAddress().Match(listening).Value);
        Step($"published app listening on {address}");

        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/products");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        // The sample's own 502 page, not the built-in one: the templates were found in the published folder.
        Assert.Contains("nothing was charged", body, StringComparison.Ordinal);
    }
}
