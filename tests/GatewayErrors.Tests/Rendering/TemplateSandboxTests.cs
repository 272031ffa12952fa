using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// A custom template is hostile too: one that loops forever, recurses, grows without end, reaches for a file or throws
/// costs the visitor nothing but the built-in page, within the time budget, and its owner one log entry naming the
/// template and the limit. The same templates without the request-only branch never get past the start-up check.
/// </summary>
public sealed class TemplateSandboxTests
{
    private static Action<GatewayErrorsOptions> Folder() => o => o.TemplatesPath = "templates";

    /// <summary>Each breaks one limit; (partial name, partial text) when it needs one.</summary>
    public static TheoryData<string, string, string> Breakers() => new()
    {
        { "endless-loop", "{{ while true }}x{{ end }}", "LoopLimit" },
        { "deep-recursion", "{{ include 'again' }}", "RecursiveLimit" },
        { "huge-string", "{{ s = \"0123456789\"; for i in 1..20; s = s + s; end; s }}", "LimitToString" },
        { "include-a-path", "{{ include '../appsettings' }}", "include" },
        { "throws", "{{ no_such_variable }}", "error" },
        { "catastrophic-regex", "{{ \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\" | regex.match `^(a+)+$` }}", "time budget" },
    };

    [Theory]
    [MemberData(nameof(Breakers))]
    public async Task TemplateBreakingALimit_AtRequestTime_GetsTheBuiltInPage_WithinTheBudget_AndOneLogEntry(string name, string breaker, string limit)
    {
        // The start-up check renders the sample path, so the breaking branch is only reached by a real request for /break.
        using var root = PageHost.ContentRoot(
            ("502.sbn-html", "{{ if path == '/break' }}" + breaker + "{{ end }}<p id=t>custom</p>"),
            ("again.sbn-html", "{{ include 'again' }}"));
        await using var host = await PageHost.StartAsync(Folder(), contentRoot: root.Path);

        for (var i = 0; i < 2; i++)
        {
            var watch = Stopwatch.StartNew();
            var (response, html) = await host.GetAsync("/break?type=ConnectionRefused");
            watch.Stop();

            Assert.Equal(502, (int)response.StatusCode);
            var document = PageHost.Parse(html);
            Assert.Null(document.QuerySelector("#t"));
            Assert.NotNull(document.QuerySelector(".gw-hops"));
            Assert.NotNull(document.QuerySelector(".gw-ref"));
            // The budget is 1 s (the regex's timeout too); without it the regex alone would run for minutes. Generous
            // for a loaded machine.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"{name}: the request took {watch.Elapsed}.");
        }

        // Once per template and limit, not once per request: an outage must not flood the log.
        var logged = Assert.Single(host.Logs.GetSnapshot(), e => e.Id.Id == 101);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("templates/502.sbn-html", logged.Message, StringComparison.Ordinal);
        Assert.Contains(limit, logged.Message, StringComparison.Ordinal);

        // The same template still answers the requests it can.
        var (_, fine) = await host.GetAsync("/fine?type=ConnectionRefused");
        Assert.NotNull(PageHost.Parse(fine).QuerySelector("#t"));
    }

    [Theory]
    [MemberData(nameof(Breakers))]
    public async Task TemplateBreakingALimit_StopsTheStart_NamingTheFileAndTheLimit(string name, string breaker, string limit)
    {
        using var root = PageHost.ContentRoot(("502.sbn-html", "<p>ok</p>\n" + breaker), ("again.sbn-html", "{{ include 'again' }}"));

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => PageHost.StartAsync(Folder(), contentRoot: root.Path));

        Assert.True(exception.Message.Contains("templates/502.sbn-html", StringComparison.Ordinal), $"{name}: {exception.Message}");
        Assert.True(exception.Message.Contains("limit: " + limit, StringComparison.Ordinal), $"{name}: {exception.Message}");
        Assert.True(exception.Message.Contains("line ", StringComparison.Ordinal), $"{name}: {exception.Message}");
    }

    [Fact]
    public async Task HandlebarsFile_StopsTheStart_NamingTheFile_AndTheMigrationSection()
    {
        using var root = PageHost.ContentRoot(("partials/footer.hbs", "<footer>{{siteName}}</footer>"));

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => PageHost.StartAsync(Folder(), contentRoot: root.Path));

        Assert.Contains("templates/partials/footer.hbs", exception.Message, StringComparison.Ordinal);
        Assert.Contains("docs/themes-and-templates.md#moving-from-handlebars", exception.Message, StringComparison.Ordinal);
        Assert.Contains("## Moving from Handlebars", File.ReadAllText(Path.Combine(TemplateDocsTests.RepositoryRoot(), "docs", "themes-and-templates.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandlebarsSyntax_InAnSbnHtmlFile_StopsTheStart_ButAScribanCommentDoesNot()
    {
        using var root = PageHost.ContentRoot(("502.sbn-html", "{{## a Scriban comment ##}}\n<h1>{{ title }}</h1>\n{{> gw-hops}}"));

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => PageHost.StartAsync(Folder(), contentRoot: root.Path));

        Assert.Contains("templates/502.sbn-html", exception.Message, StringComparison.Ordinal);
        Assert.Contains("line 3, column 1", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Values_AreEncodedExactlyOnce_AsTheyAre_ThroughHtmlEscape_AndInAttributes()
    {
        // A visitor must read the configured name, not "&amp;amp;": output encoding plus html.escape must not stack.
        const string name = "Tom & \"Jerry\" <Shop> 'n' Co";
        await using var host = await PageHost.StartAsync(o =>
        {
            o.Branding.SiteName = name;
            o.Templates["502"] = "<!DOCTYPE html><html><body>"
                + "<p id=plain>{{ site_name }}</p><p id=escaped>{{ site_name | html.escape }}</p>"
                + "<p id=twice>{{ site_name | html.escape | html.escape }}</p><p id=joined>{{ \"[\" + site_name + \"]\" }}</p>"
                + "<p id=attr title=\"{{ site_name }}\" data-x=\"{{ site_name | html.escape }}\">x</p></body></html>";
        });

        var (_, html) = await host.GetAsync("/?type=ConnectionRefused");
        var document = PageHost.Parse(html);

        Assert.Equal(name, document.QuerySelector("#plain")!.TextContent);
        Assert.Equal(name, document.QuerySelector("#escaped")!.TextContent);
        Assert.Equal(name, document.QuerySelector("#twice")!.TextContent);
        Assert.Equal("[" + name + "]", document.QuerySelector("#joined")!.TextContent);
        Assert.Equal(name, document.QuerySelector("#attr")!.GetAttribute("title"));
        Assert.Equal(name, document.QuerySelector("#attr")!.GetAttribute("data-x"));
        Assert.DoesNotContain("<Shop>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("&amp;amp;", html, StringComparison.Ordinal);
    }
}
