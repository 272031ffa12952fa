using GatewayErrors.Tests.TestSupport;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.Rendering;

public class CustomTemplateTests
{
    private static Action<GatewayErrorsOptions> Folder(string path = "templates") => o => o.TemplatesPath = path;

    [Fact]
    public async Task DroppingIn502Hbs_ReplacesThe502Page_AndKeepsTheStatus()
    {
        using var root = PageHost.ContentRoot(("502.hbs", "<!DOCTYPE html><title>{{statusCode}}</title><h1>Our own {{statusCode}}: {{title}}</h1><p>{{traceId}}</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (response, html) = await host.GetAsync("/?type=ConnectionRefused");

        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal("Our own 502: Upstream service refused the connection", PageHost.Parse(html).QuerySelector("h1")!.TextContent);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData(GatewayErrorType.ConnectionRefused, 502, "type")]
    [InlineData(GatewayErrorType.ConnectionTerminated, 502, "status")]
    [InlineData(GatewayErrorType.HttpResponseTimeout, 504, "error")]
    public async Task MostSpecificTemplateWins_ErrorTypeOverStatusOverError(GatewayErrorType type, int status, string expected)
    {
        using var root = PageHost.ContentRoot(
            ("connection_refused.hbs", "<p id=t>type</p>"),
            ("502.hbs", "<p id=t>status</p>"),
            ("error.hbs", "<p id=t>error</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (response, html) = await host.GetAsync($"/?type={type}");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(expected, PageHost.Parse(html).QuerySelector("#t")!.TextContent);
    }

    [Fact]
    public async Task NoMatchingTemplate_UsesTheBuiltInTheme()
    {
        using var root = PageHost.ContentRoot(("502.hbs", "<p id=t>custom</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (response, html) = await host.GetAsync("/?type=HttpResponseTimeout");

        Assert.Equal(504, (int)response.StatusCode);
        Assert.NotNull(PageHost.Parse(html).QuerySelector(".gw-hops"));
    }

    [Fact]
    public async Task Layout_WrapsThePage_AndPartialsFromSubfoldersResolve()
    {
        using var root = PageHost.ContentRoot(
            ("layout.hbs", "<!DOCTYPE html><html lang=\"en\"><body><header>{{siteName}}</header>{{{body}}}{{> footer}}</body></html>"),
            ("partials/footer.hbs", "<footer>Ref {{traceId}}</footer>"),
            ("502.hbs", "<main><h1>{{title}}</h1></main>"));
        await using var host = await PageHost.StartAsync(
            o => { Folder()(o); o.Branding.SiteName = "Acme"; }, contentRoot: root.Path);

        var (_, html) = await host.GetAsync("/?type=ConnectionRefused");
        var document = PageHost.Parse(html);

        Assert.Equal("Acme", document.QuerySelector("body > header")!.TextContent);
        Assert.Equal("Upstream service refused the connection", document.QuerySelector("body > main > h1")!.TextContent);
        Assert.StartsWith("Ref ", document.QuerySelector("body > footer")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LayoutOnly_WrapsTheBuiltInContent()
    {
        using var root = PageHost.ContentRoot(("layout.hbs", "<!DOCTYPE html><html><head>{{> gw-head}}</head><body><div id=chrome>Acme</div><main>{{body}}</main></body></html>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (_, html) = await host.GetAsync("/?type=HttpResponseTimeout");
        var document = PageHost.Parse(html);

        Assert.NotNull(document.QuerySelector("#chrome"));
        Assert.Equal(3, document.QuerySelectorAll("main .gw-hops li").Length);
        Assert.Equal("noindex, nofollow", document.QuerySelector("meta[name=robots]")?.GetAttribute("content"));
    }

    [Fact]
    public async Task CustomTemplate_ReusesBuiltInPieces()
    {
        const string Page = "<!DOCTYPE html><html lang=\"en\"><head>{{> gw-head}}</head><body><main><h1>Custom</h1>{{> gw-hops}}{{> gw-actions}}{{> gw-reference}}</main></body></html>";
        await using var host = await PageHost.StartAsync(o => o.Templates["error"] = Page);

        var (_, html) = await host.GetAsync("/?type=ConnectionRefused");
        var document = PageHost.Parse(html);

        Assert.Equal("Custom", document.QuerySelector("h1")!.TextContent);
        Assert.Equal(3, document.QuerySelectorAll(".gw-hops li").Length);
        Assert.Contains("--bg:", document.QuerySelector("style")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(document.QuerySelector("time[datetime]"));
    }

    [Fact]
    public async Task TemplatesFromStrings_OverrideTheFolder()
    {
        using var root = PageHost.ContentRoot(("502.hbs", "<p id=t>folder</p>"));
        await using var host = await PageHost.StartAsync(
            o => { Folder()(o); o.Templates["502"] = "<p id=t>string {{errorType}}</p>"; }, contentRoot: root.Path);

        var (_, html) = await host.GetAsync("/?type=ConnectionRefused");

        Assert.Equal("string connection_refused", PageHost.Parse(html).QuerySelector("#t")!.TextContent);
    }

    [Fact]
    public async Task TemplatesFromEmbeddedResources_AreUsed()
    {
        var embedded = new EmbeddedFileProvider(typeof(CustomTemplateTests).Assembly, "GatewayErrors.Tests.Rendering.Templates");
        await using var host = await PageHost.StartAsync(o => o.TemplateFileProvider = embedded);

        var (response, html) = await host.GetAsync("/?type=DestinationUnavailable&retry=5");

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal("Embedded 503: Try again in 5 seconds.", PageHost.Parse(html).QuerySelector("h1")!.TextContent);
    }

    [Fact]
    public async Task ChangedFile_IsPickedUpWithoutRestart()
    {
        using var root = PageHost.ContentRoot(("502.hbs", "<p id=t>v1</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);
        Assert.Equal("v1", PageHost.Parse((await host.GetAsync("/")).Html).QuerySelector("#t")!.TextContent);

        await WriteAndWaitForReloadAsync(host, root, "502.hbs", "<p id=t>v2</p>", "v2");

        Assert.Equal("v2", PageHost.Parse((await host.GetAsync("/")).Html).QuerySelector("#t")!.TextContent);
        Assert.Contains(host.Logs.GetSnapshot(), e => e.Id.Id == 103);
    }

    [Fact]
    public async Task ChangedFile_ThatNoLongerCompiles_KeepsThePreviousVersion_AndLogs()
    {
        using var root = PageHost.ContentRoot(("502.hbs", "<p id=t>good</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var reloaded = host.Renderer.NextReload;
        root.Write("502.hbs", "<p id=t>{{#if statusCode}}broken</p>");
        await reloaded.WaitAsync(TimeSpan.FromSeconds(10));

        var (response, html) = await host.GetAsync("/");
        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal("good", PageHost.Parse(html).QuerySelector("#t")!.TextContent);
        var logged = Assert.Single(host.Logs.GetSnapshot(), e => e.Id.Id == 102);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("templates/502.hbs", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SyntaxError_FailsStartup_NamingTheFileAndPosition()
    {
        using var root = PageHost.ContentRoot(("502.hbs", "<h1>{{title}}</h1>\n<p>{{#if retryAfterText}}{{retryAfterText}}</p>\n"));

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => PageHost.StartAsync(Folder(), contentRoot: root.Path));

        Assert.Contains("templates/502.hbs", exception.Message, StringComparison.Ordinal);
        Assert.Contains("line 2, column 4", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnclosedExpression_FailsStartup_NamingTheFileAndPosition()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(
            () => PageHost.StartAsync(o => o.Templates["error"] = "ok\n<p>{{title</p>"));

        Assert.Contains("GatewayErrors:Templates:error", exception.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingPartial_FailsStartup_NamingTheFile()
    {
        using var root = PageHost.ContentRoot(("error.hbs", "<p>{{> nowhere}}</p>"));

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => PageHost.StartAsync(Folder(), contentRoot: root.Path));

        Assert.Contains("templates/error.hbs", exception.Message, StringComparison.Ordinal);
        Assert.Contains("nowhere", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingTemplatesFolder_FailsStartup_NamingTheKeyAndPath()
    {
        using var root = PageHost.ContentRoot();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => PageHost.StartAsync(Folder("no-such-folder"), contentRoot: root.Path));

        Assert.Contains("GatewayErrors:TemplatesPath = 'no-such-folder'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TemplateFailingWhileRendering_FallsBackToBuiltInPage_KeepsThe502_AndLogsOnce()
    {
        // The start-up trial render has a Retry-After, so the broken branch is only reached by a real request without one.
        using var root = PageHost.ContentRoot(("502.hbs", "{{#unless retryAfterSeconds}}{{> not-a-partial}}{{/unless}}<p id=t>custom</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (response, html) = await host.GetAsync("/?type=ConnectionRefused");

        Assert.Equal(502, (int)response.StatusCode);
        var document = PageHost.Parse(html);
        Assert.Null(document.QuerySelector("#t"));
        Assert.NotNull(document.QuerySelector(".gw-hops"));
        var logged = Assert.Single(host.Logs.GetSnapshot(), e => e.Id.Id == 101);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("templates/502.hbs", logged.Message, StringComparison.Ordinal);
        Assert.Contains("not-a-partial", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Templates_AreCompiledAtStart_AndLogged()
    {
        using var root = PageHost.ContentRoot(("502.hbs", "<p>x</p>"), ("layout.hbs", "{{body}}"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var logged = Assert.Single(host.Logs.GetSnapshot(), e => e.Id.Id == 100);
        Assert.Contains("templates/502.hbs", logged.Message, StringComparison.Ordinal);
        Assert.Contains("templates/layout.hbs", logged.Message, StringComparison.Ordinal);
    }

    private static async Task WriteAndWaitForReloadAsync(PageHost host, TempContentRoot root, string name, string text, string expected)
    {
        // A watcher can report a file while it is still being written; wait for the reload that sees the whole file.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var reloaded = host.Renderer.NextReload;
            if (attempt == 0)
            {
                root.Write(name, text);
            }

            await reloaded.WaitAsync(TimeSpan.FromSeconds(10));
            if (PageHost.Parse((await host.GetAsync("/")).Html).QuerySelector("#t")?.TextContent == expected)
            {
                return;
            }
        }
    }
}
