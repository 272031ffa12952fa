using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace GatewayErrors.Tests.Newcomer;

/// <summary>
/// Runs alone, after the parallel tests: it builds and runs a whole app, and on a 2-core machine that would starve the
/// timing-sensitive tests around it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NewcomerCollectionDefinition
{
    public const string Name = "Newcomer";
}

/// <summary>
/// What a person who has never seen the project does: pack, <c>dotnet new web</c>, add the package from the packed
/// file, paste the README's quick start, run it against a refused upstream. The README and this test cannot disagree.
/// </summary>
[Collection(NewcomerCollectionDefinition.Name)]
public sealed partial class NewcomerTests
{
    private const string PackageId = "GatewayErrors";

    private readonly ITestOutputHelper _output;
    private readonly System.Diagnostics.Stopwatch _clock = new();

    public NewcomerTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void PackageReadme_QuickStart_IsTheReadmeQuickStart()
    {
        // The package page on nuget.org shows PACKAGE.md; the test below runs the README's block, so both must be the
        // same code.
        var readme = ReadmeQuickStart.FirstBlock(File.ReadAllText(RepositoryRoot.Combine("README.md")), "csharp", "README.md");
        var package = ReadmeQuickStart.FirstBlock(
            File.ReadAllText(RepositoryRoot.Combine("src", "GatewayErrors", "PACKAGE.md")), "csharp", "src/GatewayErrors/PACKAGE.md");

        Assert.Equal(readme, package);
    }

    [Fact]
    public void MinimalSample_Program_IsTheReadmeQuickStart()
    {
        // The sample builds with the solution, so a quick start that stops compiling fails every build, not only the
        // slow test below.
        var readme = ReadmeQuickStart.FirstBlock(File.ReadAllText(RepositoryRoot.Combine("README.md")), "csharp", "README.md");
        var program = File.ReadAllText(RepositoryRoot.Combine("samples", "Minimal", "Program.cs")).ReplaceLineEndings("\n");

        Assert.Equal(readme, program);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task FreshWebApp_FollowingReadme_WithPackedPackage_RefusedUpstream_Returns502()
    {
        var readme = ReadmeQuickStart.Parse(File.ReadAllText(RepositoryRoot.Combine("README.md")), "README.md");
        await InWorkFolderAsync("gatewayerrors-newcomer-", "The newcomer's folder", work => RunAsync(readme, work));
    }

    private async Task RunAsync(ReadmeQuickStart readme, string work)
    {
        _clock.Start();
        var feed = Directory.CreateDirectory(Path.Combine(work, "feed")).FullName;
        var appDirectory = Path.Combine(work, "app");
        // A package cache of its own: the newcomer's restore must find everything in the feed or the registry, and
        // the test leaves nothing behind in the machine's cache.
        var newcomer = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(work, "packages") };
        var none = new Dictionary<string, string?>();

        // 1. Pack into the local feed. A prerelease version no registry has, and a build folder of its own so the
        //    repository's bin/ and obj/ are not touched.
        var suffix = "newcomer." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        await DotnetProcess.RunAsync(RepositoryRoot.Path, none, TimeSpan.FromMinutes(5),
            "pack", RepositoryRoot.Combine("src", "GatewayErrors"), "-c", "Release", "-o", feed, "-tl:off",
            $"-p:VersionSuffix={suffix}", "--artifacts-path", Path.Combine(work, "artifacts"));
        var nupkg = Directory.GetFiles(feed, $"{PackageId}.*.nupkg").Single();
        var version = Path.GetFileNameWithoutExtension(nupkg)[(PackageId.Length + 1)..];
        Step($"packed {version}");
        Assert.EndsWith(suffix, version, StringComparison.Ordinal);

        // Every language GatewayErrors has texts for ships as a satellite assembly next to the library.
        using (var package = System.IO.Compression.ZipFile.OpenRead(nupkg))
        {
            var entries = package.Entries.Select(static e => e.FullName).ToHashSet(StringComparer.Ordinal);
            foreach (var resx in Directory.EnumerateFiles(RepositoryRoot.Combine("src", "GatewayErrors", "Localization"), "GatewayErrorPages.*.resx"))
            {
                var culture = Path.GetFileNameWithoutExtension(resx)["GatewayErrorPages.".Length..];
                Assert.Contains($"lib/net10.0/{culture}/GatewayErrors.resources.dll", entries);
            }
        }

        // 2. The machine's own package sources, for the package's dependencies (Polly.Core).
        var sources = await MachineSourcesAsync(work);
        Step("listed the machine's package sources");

        // 3. A fresh app, as `dotnet new web` makes it.
        await DotnetProcess.RunAsync(work, newcomer, TimeSpan.FromMinutes(2),
            "new", "web", "-o", appDirectory, "-n", "NewcomerApp", "--no-restore", "--no-update-check");
        Step("dotnet new web");

        // 4. Add the package from the feed only: GatewayErrors maps to the feed and nowhere else.
        await File.WriteAllTextAsync(Path.Combine(appDirectory, "nuget.config"), NuGetConfig(feed, sources));
        await DotnetProcess.RunAsync(appDirectory, newcomer, TimeSpan.FromMinutes(3), "add", "package", PackageId, "--version", version);
        Step("dotnet add package");
        var restoredFrom = await RestoredSourceAsync(Path.Combine(work, "packages"), version);
        Assert.True(PathsEqual(restoredFrom, feed), $"{PackageId} {version} was restored from '{restoredFrom}', not from the local feed '{feed}'.");

        // 5. The README's quick start, exactly as written, is the whole Program.cs.
        await File.WriteAllTextAsync(Path.Combine(appDirectory, "Program.cs"), readme.Program);
        await DotnetProcess.RunAsync(appDirectory, newcomer, TimeSpan.FromMinutes(5), "build", "-tl:off");
        Step("dotnet build");

        // 6. Run it against a refused upstream, the way the README says to (CatalogUrl), on a port Kestrel picks.
        await using var refused = await RefusedPort.StartAsync();
        var environment = new Dictionary<string, string?>(newcomer)
        {
            ["CatalogUrl"] = refused.BaseAddress.ToString(),
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        };
        await using var app = DotnetProcess.Start(appDirectory, environment, "run", "--no-build", "--no-launch-profile");
        var listening = await app.WaitForLineAsync(static l => l.Contains("Now listening on:", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var address = new Uri(ListeningAddress().Match(listening).Value);
        Step($"dotnet run: listening on {address}");

        // 7. Ask the way an API client does, and hold the answer to what the README promises.
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/products");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Step($"GET /products: {(int)response.StatusCode}");

        var problems = Compare(readme, response, body);
        if (problems.Count > 0)
        {
            Assert.Fail(
                $"The app built from the README's quick start did not answer as the README says:\n- {string.Join("\n- ", problems)}\n\n"
                + $"Response: {(int)response.StatusCode} {response.ReasonPhrase}\n{response.Headers}{response.Content.Headers}\n{body}\n\n"
                + $"App output:\n{app.Output}");
        }
    }

    /// <summary>Step times go to the test output: when CI gets slow, they say which step did.</summary>
    private void Step(string what) => _output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:0.0} s  {what}");

    private static List<string> Compare(ReadmeQuickStart readme, HttpResponseMessage response, string body)
    {
        var problems = new List<string>();
        if (response.StatusCode != HttpStatusCode.BadGateway)
        {
            problems.Add($"status {(int)response.StatusCode}, expected 502 for a refused upstream");
        }

        if (readme.Status != (int)response.StatusCode)
        {
            problems.Add($"status {(int)response.StatusCode}, the README shows {readme.Status}");
        }

        var proxyStatus = Header(response, "Proxy-Status");
        if (proxyStatus is null || !proxyStatus.Contains("error=connection_refused", StringComparison.Ordinal))
        {
            problems.Add($"Proxy-Status '{proxyStatus}' does not say error=connection_refused");
        }

        foreach (var (name, promised) in readme.Headers)
        {
            var actual = Header(response, name);
            var matches = name.Equals("Proxy-Status", StringComparison.OrdinalIgnoreCase)
                // The first item is the app's own name ("shop" in the README): compare what follows it.
                ? actual is not null && Parameters(actual) == Parameters(promised)
                : actual is not null && Normalize(actual) == Normalize(promised);
            if (!matches)
            {
                problems.Add($"{name}: '{actual}', the README shows '{promised}'");
            }
        }

        JsonElement json;
        try
        {
            json = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException e)
        {
            problems.Add($"the body is not JSON: {e.Message}");
            return problems;
        }

        foreach (var (name, promised) in readme.BodyFields)
        {
            if (name is "traceId" or "timestamp")
            {
                continue; // differ on every request
            }

            var actual = json.TryGetProperty(name, out var value) ? value.GetRawText() : null;
            if (actual != promised)
            {
                problems.Add($"body \"{name}\": {actual ?? "(missing)"}, the README shows {promised}");
            }
        }

        return problems;
    }

    private static async Task<string[]> MachineSourcesAsync(string work)
    {
        var listed = await DotnetProcess.RunAsync(work, new Dictionary<string, string?>(), TimeSpan.FromMinutes(1),
            "nuget", "list", "source", "--format", "short");
        var sources = listed.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(static l => l.StartsWith("E ", StringComparison.Ordinal))
            .Select(static l => l[2..].Trim())
            .ToArray();
        return sources.Length > 0
            ? sources
            : throw new InvalidOperationException($"No enabled NuGet source on this machine, so the package's dependencies cannot restore:\n{listed}");
    }

    private static string NuGetConfig(string feed, string[] sources)
    {
        var keys = sources.Select(static (_, i) => $"machine-{i + 1}").ToArray();
        var added = string.Concat(sources.Select((s, i) => $"\n    <add key=\"{keys[i]}\" value=\"{WebUtility.HtmlEncode(s)}\" />"));
        var mapped = string.Concat(keys.Select(static k => $"\n    <packageSource key=\"{k}\"><package pattern=\"*\" /></packageSource>"));
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local-feed" value="{WebUtility.HtmlEncode(feed)}" />{added}
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local-feed"><package pattern="{PackageId}" /></packageSource>{mapped}
              </packageSourceMapping>
            </configuration>

            """;
    }

    /// <summary>NuGet records in <c>.nupkg.metadata</c> which source a package was extracted from.</summary>
    private static async Task<string> RestoredSourceAsync(string packages, string version)
    {
        var metadata = Path.Combine(packages, PackageId.ToLowerInvariant(), version.ToLowerInvariant(), ".nupkg.metadata");
        if (!File.Exists(metadata))
        {
            return $"(nowhere: {metadata} does not exist)";
        }

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(metadata));
        return document.RootElement.GetProperty("source").GetString() ?? "(no source recorded)";
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    private static string Parameters(string proxyStatus)
    {
        var semicolon = proxyStatus.IndexOf(';', StringComparison.Ordinal);
        return semicolon < 0 ? "" : Normalize(proxyStatus[semicolon..]);
    }

    private static string Normalize(string value) => Regex.Replace(value, @"\s+", "").ToUpperInvariant();

    private static bool PathsEqual(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);

    /// <summary>Runs <paramref name="body"/> in a fresh folder, deleted when it passes and kept (and named) when it fails.</summary>
    private static async Task InWorkFolderAsync(string prefix, string what, Func<string, Task> body)
    {
        var work = Directory.CreateTempSubdirectory(prefix).FullName;
        try
        {
            await body(work);
        }
        catch (Exception e)
        {
            throw new XunitException($"{e.Message}\n\n{what} is kept for a look: {work}", e);
        }

        TryDelete(work);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder is not worth failing a green test.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex ListeningAddress();
}
