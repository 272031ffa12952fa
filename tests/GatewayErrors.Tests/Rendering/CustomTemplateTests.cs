using GatewayErrors.Tests.TestSupport;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.Rendering;

public class CustomTemplateTests
{
    private static Action<GatewayErrorsOptions> Folder(string path = "templates") => o => o.TemplatesPath = path;

    [Fact]
    public async Task DroppingIn502SbnHtml_ReplacesThe502Page_AndKeepsTheStatus()
    {
        using var root = PageHost.ContentRoot(("502.sbn-html", "<!DOCTYPE html><title>{{ status_code }}</title><h1>Our own {{ status_code }}: {{ title }}</h1><p>{{ trace_id }}</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (response, html) = await host.GetAsync("/?type=ConnectionRefused");

        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal("Our own 502: Upstream service refused the connection", PageHost.Parse(html).QuerySelector("h1")!.TextContent);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task LoneFragment_WithoutALayout_GoesInsideTheBuiltInDocument_WithTheReference_InTheVisitorsLanguage()
    {
        // A newcomer's first 502.sbn-html: a heading and a sentence, no layout. Sent as it was, it had no doctype, no
        // styles and no reference, while the advice says "quote the reference below".
        using var root = PageHost.ContentRoot(("502.sbn-html", "<h1 id=t>Our {{ upstream }} is resting</h1>\n<p>{{ summary }}</p>\n{{ include 'gw-actions' }}"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (response, html) = await host.GetAsync("/?type=ConnectionRefused", r => r.Headers.TryAddWithoutValidation("Accept-Language", "ar"));

        Assert.Equal(502, (int)response.StatusCode);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.OrdinalIgnoreCase);
        var document = PageHost.Parse(html);
        Assert.Equal("ar", document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("rtl", document.DocumentElement.GetAttribute("dir"));
        Assert.NotNull(document.QuerySelector("head style"));
        Assert.Equal("Our catalog is resting", document.QuerySelector("main #t")!.TextContent);
        Assert.Single(document.QuerySelectorAll(".gw-ref"));
        Assert.Contains(document.QuerySelector(".gw-ref code")!.TextContent, html, StringComparison.Ordinal);
        Assert.Empty(document.QuerySelectorAll(".gw-hops"));
    }

    [Fact]
    public async Task LoneFragment_ThatShowsTheReference_IsNotGivenASecondOne()
    {
        using var root = PageHost.ContentRoot(("502.sbn-html", "<h1 id=t>{{ title }}</h1>{{ include 'gw-reference' }}"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (_, html) = await host.GetAsync("/?type=ConnectionRefused");

        Assert.Single(PageHost.Parse(html).QuerySelectorAll(".gw-ref"));
    }

    [Theory]
    [InlineData(GatewayErrorType.ConnectionRefused, 502, "type")]
    [InlineData(GatewayErrorType.ConnectionTerminated, 502, "status")]
    [InlineData(GatewayErrorType.HttpResponseTimeout, 504, "error")]
    public async Task MostSpecificTemplateWins_ErrorTypeOverStatusOverError(GatewayErrorType type, int status, string expected)
    {
        using var root = PageHost.ContentRoot(
            ("connection_refused.sbn-html", "<p id=t>type</p>"),
            ("502.sbn-html", "<p id=t>status</p>"),
            ("error.sbn-html", "<p id=t>error</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (response, html) = await host.GetAsync($"/?type={type}");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(expected, PageHost.Parse(html).QuerySelector("#t")!.TextContent);
    }

    [Fact]
    public async Task NoMatchingTemplate_UsesTheBuiltInTheme()
    {
        using var root = PageHost.ContentRoot(("502.sbn-html", "<p id=t>custom</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (response, html) = await host.GetAsync("/?type=HttpResponseTimeout");

        Assert.Equal(504, (int)response.StatusCode);
        Assert.NotNull(PageHost.Parse(html).QuerySelector(".gw-hops"));
    }

    [Fact]
    public async Task Layout_WrapsThePage_AndPartialsFromSubfoldersResolve()
    {
        using var root = PageHost.ContentRoot(
            ("layout.sbn-html", "<!DOCTYPE html><html lang=\"{{ lang }}\" dir=\"{{ dir }}\"><body><header>{{ site_name }}</header>{{ body }}{{ include 'footer' }}</body></html>"),
            ("partials/footer.sbn-html", "<footer>Ref {{ trace_id }}</footer>"),
            ("502.sbn-html", "<main><h1>{{ title }}</h1></main>"));
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
        using var root = PageHost.ContentRoot(("layout.sbn-html", "<!DOCTYPE html><html lang=\"{{ lang }}\"><head>{{ include 'gw-head' }}</head><body><div id=chrome>Acme</div><main>{{ body }}</main></body></html>"));
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
        const string Page = "<!DOCTYPE html><html lang=\"{{ lang }}\"><head>{{ include 'gw-head' }}</head><body><main><h1>Custom</h1>{{ include 'gw-hops' }}{{ include 'gw-actions' }}{{ include 'gw-reference' }}</main></body></html>";
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
        using var root = PageHost.ContentRoot(("502.sbn-html", "<p id=t>folder</p>"));
        await using var host = await PageHost.StartAsync(
            o => { Folder()(o); o.Templates["502"] = "<p id=t>string {{ error_type }}</p>"; }, contentRoot: root.Path);

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
        using var root = PageHost.ContentRoot(("502.sbn-html", "<p id=t>v1</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);
        Assert.Equal("v1", PageHost.Parse((await host.GetAsync("/")).Html).QuerySelector("#t")!.TextContent);

        await WriteAndWaitForReloadAsync(host, root, "502.sbn-html", "<p id=t>v2</p>", "v2");

        Assert.Equal("v2", PageHost.Parse((await host.GetAsync("/")).Html).QuerySelector("#t")!.TextContent);
        Assert.Contains(host.Logs.GetSnapshot(), e => e.Id.Id == 103);
    }

    [Fact]
    public async Task ChangedFile_ThatNoLongerCompiles_KeepsThePreviousVersion_AndLogs()
    {
        using var root = PageHost.ContentRoot(("502.sbn-html", "<p id=t>good</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var reloaded = host.Renderer.NextReload;
        root.Write("502.sbn-html", "<p id=t>{{ if status_code }}broken</p>");
        await reloaded.WaitAsync(TimeSpan.FromSeconds(10));

        var (response, html) = await host.GetAsync("/");
        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal("good", PageHost.Parse(html).QuerySelector("#t")!.TextContent);
        var logged = Assert.Single(host.Logs.GetSnapshot(), e => e.Id.Id == 102);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("templates/502.sbn-html", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SyntaxError_FailsStartup_NamingTheFileAndPosition()
    {
        using var root = PageHost.ContentRoot(("502.sbn-html", "<h1>{{ title }}</h1>\n<p>{{ retry_after_text + }}</p>\n"));

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => PageHost.StartAsync(Folder(), contentRoot: root.Path));

        Assert.Contains("templates/502.sbn-html", exception.Message, StringComparison.Ordinal);
        Assert.True(exception.Message.Contains("line 2, column 26", StringComparison.Ordinal), exception.Message);
    }

    [Fact]
    public async Task UnclosedExpression_FailsStartup_NamingTheFileAndPosition()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(
            () => PageHost.StartAsync(o => o.Templates["error"] = "ok\n<p>{{ title</p>"));

        Assert.Contains("GatewayErrors:Templates:error", exception.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingPartial_FailsStartup_NamingTheFile()
    {
        using var root = PageHost.ContentRoot(("error.sbn-html", "<p>{{ include 'nowhere' }}</p>"));

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => PageHost.StartAsync(Folder(), contentRoot: root.Path));

        Assert.Contains("templates/error.sbn-html", exception.Message, StringComparison.Ordinal);
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
        // The start-up check renders /sample, so the broken branch is only reached by a real request for /broken.
        using var root = PageHost.ContentRoot(("502.sbn-html", "{{ if path == '/broken' }}{{ include 'not-a-partial' }}{{ end }}<p id=t>custom</p>"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var (response, html) = await host.GetAsync("/broken?type=ConnectionRefused");

        Assert.Equal(502, (int)response.StatusCode);
        var document = PageHost.Parse(html);
        Assert.Null(document.QuerySelector("#t"));
        Assert.NotNull(document.QuerySelector(".gw-hops"));
        var logged = Assert.Single(host.Logs.GetSnapshot(), e => e.Id.Id == 101);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("templates/502.sbn-html", logged.Message, StringComparison.Ordinal);
        Assert.Contains("not-a-partial", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Templates_AreCompiledAtStart_AndLogged()
    {
        using var root = PageHost.ContentRoot(("502.sbn-html", "<p>x</p>"), ("layout.sbn-html", "{{ body }}"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        var logged = Assert.Single(host.Logs.GetSnapshot(), e => e.Id.Id == 100);
        Assert.Contains("templates/502.sbn-html", logged.Message, StringComparison.Ordinal);
        Assert.Contains("templates/layout.sbn-html", logged.Message, StringComparison.Ordinal);
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
