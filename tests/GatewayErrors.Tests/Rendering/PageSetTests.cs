using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// Page sets: <c>WithGatewayErrorPage("checkout")</c> on a route or a group answers that endpoint's errors with the
/// templates in <c>templates/checkout/</c> first, then the site's, then the built-in theme; against real upstreams.
/// </summary>
public class PageSetTests
{
    private static TempContentRoot Templates()
    {
        var root = new TempContentRoot();
        root.Write("502.sbn-html", "<p id=t>site 502</p>{{ include 'footer' }}");
        root.Write("footer.sbn-html", "<footer id=f>site footer</footer>");
        root.Write("partials/note.sbn-html", "<aside id=n>site note</aside>");
        root.Write("checkout/connection_refused.sbn-html", "<p id=t>checkout refused {{ upstream }}</p>{{ include 'footer' }}{{ include 'note' }}");
        root.Write("checkout/layout.sbn-html", "<!DOCTYPE html><html lang=\"{{ lang }}\"><title>{{ title }}</title><main data-set=checkout>{{ body }}</main></html>");
        root.Write("checkout/footer.sbn-html", "<footer id=f>checkout footer</footer>");
        root.Write("account/error.sbn-html", "<p id=t>account error</p>");
        return root;
    }

    private static Task<GatewayTestApp> StartAsync(TempContentRoot root, Uri upstream, Action<WebApplication> endpoints)
        => GatewayTestApp.StartAsync(upstream, s =>
        {
            s.ContentRoot = root.Path;
            s.Options = o => o.TemplatesPath = "templates";
            s.Endpoints = endpoints;
        });

    private static RequestDelegate CallUpstream => static async context =>
    {
        var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");
        using var response = await client.GetAsync("/items", context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
    };

    private static async Task<(int Status, AngleSharp.Html.Dom.IHtmlDocument Page)> GetPageAsync(GatewayTestApp app, string path)
    {
        using var response = await app.GetAsync(path, "text/html");
        return ((int)response.StatusCode, PageHost.Parse(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Route_UsesItsPageSet_ItsLayoutAndPartials_WhileOtherRoutesKeepTheSitePages()
    {
        using var root = Templates();
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await StartAsync(root, refused.BaseAddress, a =>
        {
            a.MapGet("/checkout/pay", CallUpstream).WithGatewayErrorPage("checkout");
            a.MapGet("/catalog", CallUpstream);
        });

        // Twice each, alternating: the page cache must keep the two pages apart.
        for (var i = 0; i < 2; i++)
        {
            var (status, checkout) = await GetPageAsync(app, "/checkout/pay");
            Assert.Equal(502, status);
            Assert.Equal("checkout refused catalog", checkout.QuerySelector("main[data-set=checkout] #t")?.TextContent);
            Assert.Equal("checkout footer", checkout.QuerySelector("#f")?.TextContent);
            Assert.Equal("site note", checkout.QuerySelector("#n")?.TextContent);

            var (siteStatus, site) = await GetPageAsync(app, "/catalog");
            Assert.Equal(502, siteStatus);
            Assert.Equal("site 502", site.QuerySelector("#t")?.TextContent);
            Assert.Equal("site footer", site.QuerySelector("#f")?.TextContent);
            Assert.Null(site.QuerySelector("main[data-set=checkout]"));
        }
    }

    [Fact]
    public async Task NoMatchInThePageSet_FallsBackToTheSiteTemplates_InsideThePageSetsLayout_ThenToTheBuiltInPage()
    {
        using var root = Templates();
        await using var reset = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ResetAfterRequest);
        await using var app = await StartAsync(root, reset.BaseAddress, a => a.MapGet("/checkout/pay", CallUpstream).WithGatewayErrorPage("checkout"));

        // connection_terminated: checkout has no template for it, nor for 502, nor error; the site's 502 answers.
        var (status, page) = await GetPageAsync(app, "/checkout/pay");

        Assert.Equal(502, status);
        Assert.Equal("site 502", page.QuerySelector("main[data-set=checkout] #t")?.TextContent);
        Assert.Equal("checkout footer", page.QuerySelector("#f")?.TextContent);
    }

    [Fact]
    public async Task PageSetWithoutAMatch_AndASiteWithoutOne_GetTheBuiltInPage()
    {
        using var root = new TempContentRoot();
        root.Write("checkout/connection_refused.sbn-html", "<p id=t>checkout refused</p>");
        await using var reset = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ResetAfterRequest);
        await using var app = await StartAsync(root, reset.BaseAddress, a => a.MapGet("/checkout/pay", CallUpstream).WithGatewayErrorPage("checkout"));

        var (status, page) = await GetPageAsync(app, "/checkout/pay");

        Assert.Equal(502, status);
        Assert.Null(page.QuerySelector("#t"));
        Assert.NotNull(page.QuerySelector(".gw-ref"));
    }

    [Fact]
    public async Task RouteGroup_GivesItsEndpointsThePageSet_AndAnEndpointsOwnWins()
    {
        using var root = Templates();
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await StartAsync(root, refused.BaseAddress, a =>
        {
            var group = a.MapGroup("/checkout").WithGatewayErrorPage("checkout");
            group.MapGet("/pay", CallUpstream);
            group.MapGet("/account", CallUpstream).WithGatewayErrorPage("account");
        });

        var (_, pay) = await GetPageAsync(app, "/checkout/pay");
        var (_, account) = await GetPageAsync(app, "/checkout/account");

        Assert.Equal("checkout refused catalog", pay.QuerySelector("#t")?.TextContent);
        Assert.Equal("account error", account.QuerySelector("#t")?.TextContent);
    }

    [Fact]
    public async Task PageSetFromConfigurationKeys_WorksLikeAFolder()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(refused.BaseAddress, s =>
        {
            s.Configuration["GatewayErrors:Templates:502"] = "<p id=t>site</p>";
            s.Configuration["GatewayErrors:Templates:checkout/502"] = "<p id=t>checkout {{ status_code }}</p>";
            s.Endpoints = a => a.MapGet("/checkout/pay", CallUpstream).WithGatewayErrorPage("checkout");
        });

        var (_, page) = await GetPageAsync(app, "/checkout/pay");

        Assert.Equal("checkout 502", page.QuerySelector("#t")?.TextContent);
    }

    [Fact]
    public async Task UnknownPageSet_StopsTheStart_NamingTheEndpointAndThePageSetsThereAre()
    {
        using var root = Templates();
        await using var refused = await RefusedPort.StartAsync();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(root, refused.BaseAddress,
            a => a.MapGet("/basket", CallUpstream).WithGatewayErrorPage("basket")));

        Assert.Contains("'basket'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("/basket", exception.Message, StringComparison.Ordinal);
        Assert.Contains("There are: account, checkout.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FolderWithPartialsOnly_IsNotAPageSet_ItsPartialsServeTheSite()
    {
        using var root = Templates();
        await using var refused = await RefusedPort.StartAsync();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(root, refused.BaseAddress,
            a => a.MapGet("/x", CallUpstream).WithGatewayErrorPage("partials")));

        Assert.Contains("'partials'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("at least one page template", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PageSetTemplates_AreCheckedAtStartUp_LikeTheSites()
    {
        using var root = Templates();
        root.Write("checkout/504.sbn-html", "<p>{{ no_such_value }}</p>");
        await using var refused = await RefusedPort.StartAsync();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(root, refused.BaseAddress, _ => { }));

        Assert.Contains("templates/checkout/504.sbn-html", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PageSetTemplates_HotReload_AndABrokenOneKeepsTheLastGoodSet()
    {
        using var root = Templates();
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await StartAsync(root, refused.BaseAddress, a => a.MapGet("/checkout/pay", CallUpstream).WithGatewayErrorPage("checkout"));
        var renderer = app.Services.GetRequiredService<ErrorPageRenderer>();
        Assert.Equal("checkout refused catalog", (await GetPageAsync(app, "/checkout/pay")).Page.QuerySelector("#t")?.TextContent);

        // A watcher can report a file while it is still being written: wait for the reload that sees the whole file.
        var reloaded = renderer.NextReload;
        root.Write("checkout/connection_refused.sbn-html", "<p id=t>checkout v2</p>");
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await reloaded.WaitAsync(TimeSpan.FromSeconds(10));
            reloaded = renderer.NextReload;
            if ((await GetPageAsync(app, "/checkout/pay")).Page.QuerySelector("#t")?.TextContent == "checkout v2")
            {
                break;
            }
        }

        Assert.Equal("checkout v2", (await GetPageAsync(app, "/checkout/pay")).Page.QuerySelector("#t")?.TextContent);

        reloaded = renderer.NextReload;
        root.Write("checkout/connection_refused.sbn-html", "<p id=t>{{ if status_code }}broken</p>");
        await reloaded.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("checkout v2", (await GetPageAsync(app, "/checkout/pay")).Page.QuerySelector("#t")?.TextContent);
        Assert.Contains(app.Logs.GetSnapshot(), e => e.Id.Id == 102 && e.Message.Contains("templates/checkout/connection_refused.sbn-html", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(" x")]
    public void WithGatewayErrorPage_RejectsNamesThatAreNotAFolderName(string name)
    {
        var app = WebApplication.CreateBuilder().Build();
        Assert.Throws<ArgumentException>(() => app.MapGet("/", () => "").WithGatewayErrorPage(name));
    }
}
