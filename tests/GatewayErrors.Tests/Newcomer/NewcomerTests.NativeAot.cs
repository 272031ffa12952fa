using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Http;
using Xunit.Sdk;

namespace GatewayErrors.Tests.Newcomer;

/// <summary>
/// A user publishes an app that uses GatewayErrors with Native AOT: the analyzers must find nothing in our code, only the
/// dependency warnings docs/aot.md lists, and the native binary must answer as the JIT-compiled app does.
/// </summary>
public sealed partial class NewcomerTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task NativeAotPublish_WarnsOnlyInDocumentedDependencies_AndTheNativeAppAnswersGatewayErrors()
    {
        await InWorkFolderAsync("aot-consumer-", "The publish folder", async work => await RunNativeAsync(await PublishNativeAsync(work)));
    }

    [Fact]
    public void AotDocs_ListTheDependencyWarningsWithTheirUpstreamIssues()
    {
        // The table the slow test holds every publish warning against: it must name the two the issue named.
        var documented = DocumentedWarningAssemblies();

        Assert.Contains("Microsoft.Extensions.Caching.Hybrid", documented.Keys);
        Assert.Contains("dotnet/extensions#5624", documented["Microsoft.Extensions.Caching.Hybrid"], StringComparison.Ordinal);
        Assert.Contains("Microsoft.Extensions.Http.Resilience", documented.Keys);
        Assert.Contains("dotnet/extensions#5625", documented["Microsoft.Extensions.Http.Resilience"], StringComparison.Ordinal);
    }

    private async Task<string> PublishNativeAsync(string work)
    {
        _clock.Start();
        var publish = Path.Combine(work, "publish");
        // The artifacts path keeps this build's bin and obj (GatewayErrors' Release build included) out of the repository,
        // so it cannot collide with the solution build the test run came from.
        var output = await DotnetProcess.RunAsync(RepositoryRoot.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(25),
            "publish", RepositoryRoot.Combine("tests", "AotConsumer", "AotConsumer.csproj"), "-c", "Release", "-o", publish,
            "--artifacts-path", Path.Combine(work, "artifacts"), "-tl:off", "-nologo");
        Step("dotnet publish -p:PublishAot=true");

        var warnings = output.Split('\n')
            .Select(static line => AnalysisWarning().Match(line))
            .Where(static m => m.Success)
            .Select(static m => (Id: m.Groups["id"].Value, Origin: m.Groups["origin"].Value, Line: ProjectSuffix().Replace(m.Value, "")))
            .Distinct()
            .ToList();
        foreach (var warning in warnings)
        {
            _output.WriteLine($"  {warning.Id} {warning.Origin}");
        }

        // Ours: an origin in the package (its types live in GatewayErrors and in the framework namespaces, with Gateway or
        // StaleIfError in the name), or a source path under src/GatewayErrors.
        var ours = warnings.Where(static w => w.Line.Contains("GatewayErrors", StringComparison.Ordinal)
            || w.Origin.Contains(".Gateway", StringComparison.Ordinal) || w.Origin.Contains(".StaleIfError", StringComparison.Ordinal)).ToList();
        Assert.True(ours.Count == 0, "Native AOT analysis warns in GatewayErrors' own code:\n" + string.Join('\n', ours.Select(static w => w.Line)));

        var documented = DocumentedWarningAssemblies();
        var undocumented = warnings.Where(w => !documented.Keys.Any(a => w.Origin.StartsWith(a + ".", StringComparison.Ordinal))).ToList();
        Assert.True(undocumented.Count == 0,
            "Native AOT analysis warns in an assembly docs/aot.md does not list (add it with its upstream issue, or fix it):\n"
            + string.Join('\n', undocumented.Select(static w => w.Line)));

        var binary = Path.Combine(publish, OperatingSystem.IsWindows() ? "AotConsumer.exe" : "AotConsumer");
        Assert.True(File.Exists(binary), $"dotnet publish made no native binary at {binary}.");
        // The native compiler puts no managed copy of the app next to it: what runs below is the AOT-compiled code.
        Assert.False(File.Exists(Path.Combine(publish, "AotConsumer.dll")), "The publish folder holds AotConsumer.dll: this was not a Native AOT publish.");
        return binary;
    }

    private async Task RunNativeAsync(string binary)
    {
        await using var refused = await RefusedPort.StartAsync();
        var catalog = await OkUpstream.StartAsync(static (context, _) =>
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("catalog v1");
        });
        try
        {
            await RunNativeAsync(binary, refused, catalog);
        }
        finally
        {
            await catalog.DisposeAsync();
        }
    }

    private async Task RunNativeAsync(string binary, RefusedPort refused, OkUpstream catalog)
    {
        var environment = new Dictionary<string, string?>
        {
            ["CatalogUrl"] = catalog.BaseAddress.ToString(),
            ["InventoryUrl"] = refused.BaseAddress.ToString(),
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            // Options from environment variables, the way a container sets them: bound by the generated binder, nested
            // objects and a dictionary of upstreams included.
            ["GatewayErrors__Theme"] = "Minimal",
            ["GatewayErrors__Upstreams__inventory__DisplayName"] = "Inventory service",
            ["GatewayErrors__StaleIfError__MinUses"] = "1",
        };
        await using var app = DotnetProcess.StartProgram(binary, Path.GetDirectoryName(binary)!, environment);
        var listening = await app.WaitForLineAsync(static l => l.Contains("Now listening on:", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        using var client = new HttpClient { BaseAddress = new Uri(ListeningAddress().Match(listening).Value), Timeout = TimeSpan.FromSeconds(60) };
        Step("native app listening");

        // The themed page, rendered by Scriban from a hand-built ScriptObject, with the theme bound from configuration.
        using (var page = await SendAsync(client, "/stock", "text/html"))
        {
            var body = await page.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadGateway, page.StatusCode);
            Assert.Contains("error=connection_refused", Header(page, "Proxy-Status"), StringComparison.Ordinal);
            Assert.Equal("en", Header(page, "Content-Language"));
            Assert.Contains("gw-theme-minimal", body, StringComparison.Ordinal);
        }

        // A right-to-left language: the resources and the culture data are in the native binary.
        using (var arabic = await SendAsync(client, "/stock", "text/html", "ar"))
        {
            Assert.Equal("ar", Header(arabic, "Content-Language"));
            Assert.Contains("<html lang=\"ar\" dir=\"rtl\">", await arabic.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var problem = await SendAsync(client, "/stock", "application/problem+json"))
        {
            Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(await problem.Content.ReadAsStringAsync());
            Assert.Equal("connection_refused", json.RootElement.GetProperty("errorType").GetString());
            Assert.Equal("Inventory service", json.RootElement.GetProperty("upstream").GetString());
        }

        Step("502 page, Arabic page, problem+json");

        // Stale-if-error: the copy goes through HybridCache (whose JSON serializer is the documented warning) with our own
        // serializer, so it must survive Native AOT.
        using (var fresh = await SendAsync(client, "/products", "text/plain"))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
            Assert.Equal("catalog v1", await fresh.Content.ReadAsStringAsync());
        }

        await catalog.DisposeAsync();
        // The copy is written off the request thread, just after the answer above; a failure that comes first is answered
        // with the error page, so ask until the copy answers (a real signal, bounded), not after a guessed pause.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var stale = await SendAsync(client, "/products", "text/plain");
            var body = await stale.Content.ReadAsStringAsync();
            if (stale.StatusCode == HttpStatusCode.OK)
            {
                Assert.Equal("catalog v1", body);
                Assert.Contains("hit", Header(stale, "Cache-Status"), StringComparison.Ordinal);
                Assert.Contains("error=connection_refused", Header(stale, "Proxy-Status"), StringComparison.Ordinal);
                break;
            }

            Assert.Equal(HttpStatusCode.BadGateway, stale.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, $"The stale copy was never served; the last answer was {(int)stale.StatusCode}:\n{body}\n{app.Output}");
            await Task.Yield();
        }

        Step("stale copy served from HybridCache");
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string accept, string? language = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        if (language is not null)
        {
            request.Headers.AcceptLanguage.Add(new StringWithQualityHeaderValue(language));
        }

        return await client.SendAsync(request);
    }

    /// <summary>docs/aot.md's dependency table: assembly name to the rest of its row (the warnings and the upstream issue).</summary>
    private static Dictionary<string, string> DocumentedWarningAssemblies()
    {
        var docs = File.ReadAllLines(RepositoryRoot.Combine("docs", "aot.md"));
        return docs.Select(static line => DocumentedRow().Match(line))
            .Where(static m => m.Success)
            .ToDictionary(static m => m.Groups["assembly"].Value, static m => m.Value, StringComparer.Ordinal);
    }

    // "ILC : Trim analysis warning IL2026: <origin>: <message> [<project>]", or with a source path in place of "ILC".
    [GeneratedRegex(@"^.*?(Trim|AOT|Single-file) analysis warning (?<id>IL\d{4}): (?<origin>.+?): .*$")]
    private static partial Regex AnalysisWarning();

    [GeneratedRegex(@"\s*\[[^\]]*\.csproj\]\s*$")]
    private static partial Regex ProjectSuffix();

    [GeneratedRegex(@"^\| `(?<assembly>[A-Za-z0-9.]+)` \|.*$")]
    private static partial Regex DocumentedRow();
}
