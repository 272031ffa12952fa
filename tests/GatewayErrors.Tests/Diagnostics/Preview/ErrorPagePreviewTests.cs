using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using GatewayErrors.Tests.Rendering;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.Diagnostics.Preview;

/// <summary>
/// <c>MapGatewayErrorsPreview()</c>: on in Development and off elsewhere by the diagnostics switch; the gallery links every
/// combination, and each link answers the page a visitor would get, through the app's own templates.
/// </summary>
public sealed class ErrorPagePreviewTests
{
    private const string Gallery = "/_gateway/error-pages";

    // A layout that marks the theme and language it was rendered with, around the built-in content or the team's 502.
    private static readonly (string Name, string Text)[] Templates =
    [
        ("layout.sbn-html", """
            <!DOCTYPE html>
            <html lang="{{ lang }}" dir="{{ dir }}">
            <head>{{ include 'gw-head' }}</head>
            <body class="gw gw-theme-{{ theme }}"><header id="chrome">{{ site_name }}</header><main class="gw-wrap">{{ body }}</main>{{ include 'footer' }}</body>
            </html>
            """),
        ("partials/footer.sbn-html", "<footer id=\"foot\">Ref {{ trace_id }}</footer>"),
        ("checkout/504.sbn-html", "<h1 id=\"checkout-504\">{{ title }}</h1>{{ include 'gw-retry' }}{{ include 'gw-reference' }}"),
        ("502.sbn-html", "<h1 id=\"team-502\">Our {{ upstream }} is not answering</h1><p id=\"team-title\">{{ title }}</p><p class=\"gw-lead\">{{ summary }}</p>{{ include 'gw-notice' }}{{ include 'gw-retry' }}{{ include 'gw-reference' }}"),
    ];

    [Fact]
    public async Task Development_Gallery_Returns200_NotCachedNotIndexed()
    {
        await using var app = await StartAsync("Development");

        using var response = await app.Client.GetAsync(Gallery);
        var document = await ParseAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPreviewHeaders(response);
        Assert.Equal("Error page preview", document.Title);
        Assert.NotEmpty(document.QuerySelectorAll("table a[href]"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?type=connection_refused")]
    public async Task Production_NotEnabled_Returns404(string query)
    {
        await using var app = await StartAsync("Production");

        using var response = await app.Client.GetAsync(Gallery + query);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Production_EnabledBySwitch_Returns200()
    {
        await using var app = await StartAsync("Production", new() { ["GatewayErrors:Diagnostics:EnableEndpoint"] = "true" });

        using var gallery = await app.Client.GetAsync(Gallery);
        using var page = await app.Client.GetAsync(Gallery + "?type=connection_refused");

        Assert.Equal(HttpStatusCode.OK, gallery.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?type=connection_refused")]
    public async Task Development_SwitchFalse_Returns404(string query)
    {
        await using var app = await StartAsync("Development", new() { ["GatewayErrors:Diagnostics:EnableEndpoint"] = "false" });

        using var response = await app.Client.GetAsync(Gallery + query);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task EveryGalleryLink_Returns200_InItsLanguageDirectionThemeAndMethod()
    {
        using var root = PageHost.ContentRoot(Templates);
        await using var app = await StartAsync("Development", new()
        {
            ["GatewayErrors:TemplatesPath"] = "templates",
            ["GatewayErrors:Localization:Cultures:0"] = "zh-Hant",
            ["GatewayErrors:Branding:SiteName"] = "Acme",
        }, root.Path, static s => s.AddLocalization(static o => o.ResourcesPath = "Localization/AppResources"));
        using var galleryResponse = await app.Client.GetAsync(Gallery);
        var gallery = await ParseAsync(galleryResponse);
        var catalog = PreviewCatalog.Create(app.Services.GetRequiredService<ErrorPageRenderer>(), app.Services.GetRequiredService<IOptions<GatewayErrorsOptions>>().Value);
        var links = gallery.QuerySelectorAll("table a[href]").Select(static a => a.GetAttribute("href")!).ToList();

        // Every type at its status and at every status with a template (502 in the site's, 502 and 504 in the page set), in
        // every theme, language and method.
        Assert.Contains("zh-Hant", catalog.Languages);
        Assert.Equal(["checkout"], catalog.PageSets);
        Assert.Equal(BuiltInTemplates.ThemeNames.Count, catalog.Themes.Count);
        var rows = ErrorTaxonomy.All.Sum(static r => new HashSet<int> { r.RecommendedStatus, 502 }.Count + new HashSet<int> { r.RecommendedStatus, 502, 504 }.Count);
        Assert.Equal(rows * catalog.Themes.Count * catalog.Languages.Count * 2, links.Count);
        Assert.Equal(links.Count, links.Distinct(StringComparer.Ordinal).Count());

        // Each row names the template that answers it.
        foreach (var section in gallery.QuerySelectorAll("main > section"))
        {
            var checkout = section.QuerySelector("h2")!.TextContent.Contains("checkout", StringComparison.Ordinal);
            foreach (var row in section.QuerySelectorAll("tbody tr"))
            {
                var expected = row.Children[1].TextContent switch
                {
                    "502" => "templates/502.sbn-html",
                    "504" when checkout => "templates/checkout/504.sbn-html",
                    _ => "built-in content in templates/layout.sbn-html",
                };
                Assert.Equal(expected, row.Children[2].TextContent);
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var link in links)
        {
            var query = QueryHelpers.ParseQuery(link[link.IndexOf('?', StringComparison.Ordinal)..]);
            var (type, status, theme, lang, method) = (query["type"].ToString(), query["status"].ToString(), query["theme"].ToString(), query["lang"].ToString(),
                query["method"].ToString());
            using var response = await app.Client.GetAsync(link);
            var html = await response.Content.ReadAsStringAsync();
            var page = new HtmlParser().ParseDocument(html);

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{link}: {(int)response.StatusCode} {html}");
            AssertPreviewHeaders(response);
            Assert.Equal(lang, response.Content.Headers.ContentLanguage.Single());
            Assert.Equal(lang, page.DocumentElement.GetAttribute("lang"));
            Assert.Equal(lang == "ar" ? "rtl" : "ltr", page.DocumentElement.GetAttribute("dir"));
            Assert.Contains("gw-theme-" + theme, page.Body!.ClassList);
            Assert.Equal("Acme", page.QuerySelector("#chrome")?.TextContent);
            Assert.Equal(status == "502", page.QuerySelector("#team-502") is not null);
            Assert.Equal(status == "504" && query.GetValueOrDefault("set").ToString() == "checkout", page.QuerySelector("#checkout-504") is not null);
            if (type == "connection_refused" && status == "502")
            {
                // The app's own resources: its English and German titles, and a language GatewayErrors does not ship.
                var title = lang switch
                {
                    "en" => "Our catalog is taking a short break",
                    "de" => "Unser Katalog macht eine kurze Pause",
                    "zh-Hant" => "後端服務拒絕了連線",
                    _ => PageTexts.Create(lang, null).For(GatewayErrorType.ConnectionRefused).Title,
                };
                Assert.Equal(title, page.QuerySelector("#team-title")!.TextContent);
            }

            Assert.Contains(status + " " + type, page.QuerySelector(".gw-ref")!.TextContent, StringComparison.Ordinal);

            // A POST is never resent by the page: it says so instead of counting down.
            var retry = page.QuerySelector("[data-gw-retry]")?.GetAttribute("data-gw-retry");
            if (method == "POST")
            {
                Assert.Equal("manual", retry);
            }
            else
            {
                Assert.NotEqual("manual", retry);
            }

            seen.Add($"{type}/{status}/{theme}/{lang}/{query.GetValueOrDefault("set").ToString()}/{method}");
        }

        Assert.Equal(links.Count, seen.Count);
    }

    [Fact]
    public async Task Page_UsesTheAppsTemplatesLayoutPartialsBrandingNoticeAndLanguage()
    {
        using var root = PageHost.ContentRoot(Templates);
        await using var app = await StartAsync("Development", new()
        {
            ["GatewayErrors:TemplatesPath"] = "templates",
            ["GatewayErrors:Branding:SiteName"] = "Acme",
            ["GatewayErrors:Upstreams:catalog:DisplayName"] = "Product catalog",
            ["GatewayErrors:Notice:Message"] = "We are moving the catalog to a new data centre.",
        }, root.Path);

        using var response = await app.Client.GetAsync(Gallery + "?type=connection_refused&lang=de");
        var page = await ParseAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("de", response.Content.Headers.ContentLanguage.Single());
        Assert.Equal("Acme", page.QuerySelector("#chrome")!.TextContent);
        Assert.Equal("Our Product catalog is not answering", page.QuerySelector("#team-502")!.TextContent);
        Assert.StartsWith("Ref ", page.QuerySelector("#foot")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("We are moving the catalog to a new data centre.", page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(PageTexts.Create("de", null).For(GatewayErrorType.ConnectionRefused).Summary, page.QuerySelector(".gw-lead")!.TextContent);
    }

    [Fact]
    public async Task Page_ShowsNoRequestData_AndTheQueryLanguageWinsOverAcceptLanguage()
    {
        await using var app = await StartAsync("Development");
        using var request = new HttpRequestMessage(HttpMethod.Get, Gallery + "?type=http_response_timeout&lang=en");
        request.Headers.TryAddWithoutValidation("Accept-Language", "ar");
        request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        using var response = await app.Client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("en", response.Content.Headers.ContentLanguage.Single());
        Assert.DoesNotContain("0af7651916cd43dd8448eb211c80319c", html, StringComparison.Ordinal);
        Assert.DoesNotContain("error-pages", html, StringComparison.Ordinal);
        Assert.Contains("4bf92f3577b34da6a3ce929d0e0e4736", html, StringComparison.Ordinal);
        Assert.Contains("504", PageHost.Parse(html).QuerySelector(".gw-code")!.TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?type=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%3Cscript%3Ealert%281%29%3C%2Fscript%3E")]
    [InlineData("?status=%22%3E%3Cimg%20src%3Dx%3E", "%22%3E%3Cimg%20src%3Dx%3E")]
    [InlineData("?theme=%3Cb%3E", "%3Cb%3E")]
    [InlineData("?lang=xx%0D%0ASet-Cookie:%20a=b", "xx%0D%0ASet-Cookie%3A%20a%3Db")]
    [InlineData("?set=checkout", "checkout")]
    [InlineData("?set=..%2Ftemplates", "..%2Ftemplates")]
    [InlineData("?method=DELETE", "DELETE")]
    [InlineData("?upstream=%3Cb%3E", "%3Cb%3E")]
    [InlineData("?notice=%3Cb%3E", "%3Cb%3E")]
    [InlineData("?%3Cscript%3E=1", "%3Cscript%3E")]
    [InlineData("?status=99", "99")]
    [InlineData("?status=200", "200")]
    public async Task HostileOrUnknownQueryValue_Returns400_QuotingItPercentEncoded(string query, string quoted)
    {
        await using var app = await StartAsync("Development");

        using var response = await app.Client.GetAsync(Gallery + query);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("'" + quoted + "'", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", body, StringComparison.Ordinal);
        Assert.Single(body.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task RepeatedParameter_Returns400()
    {
        await using var app = await StartAsync("Development");

        using var response = await app.Client.GetAsync(Gallery + "?type=connection_refused&type=dns_timeout");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'type' is given 2 times", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddedLanguageWithoutTexts_IsPreviewedInEnglish_AsVisitorsGetIt()
    {
        await using var app = await StartAsync("Development", new() { ["GatewayErrors:Localization:Cultures:0"] = "nl" });

        using var response = await app.Client.GetAsync(Gallery + "?type=connection_refused&lang=nl");
        var page = await ParseAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("en", response.Content.Headers.ContentLanguage.Single());
        Assert.Equal("en", page.DocumentElement.GetAttribute("lang"));
    }

    [Fact]
    public async Task Theme_RendersThatThemesPage_WhateverTheConfiguredOne()
    {
        await using var app = await StartAsync("Development", new() { ["GatewayErrors:Theme"] = "minimal" });

        var styles = new Dictionary<string, string>();
        foreach (var theme in BuiltInTemplates.ThemeNames)
        {
            using var response = await app.Client.GetAsync(Gallery + "?type=connection_refused&theme=" + theme);
            var page = await ParseAsync(response);
            Assert.Contains("gw-theme-" + theme, page.Body!.ClassList);
            styles[theme] = page.Head!.QuerySelector("style")!.TextContent;
        }

        Assert.Equal(BuiltInTemplates.ThemeNames.Count, styles.Values.Distinct(StringComparer.Ordinal).Count());
        using var configured = await app.Client.GetAsync(Gallery + "?type=connection_refused");
        Assert.Equal(styles["minimal"], (await ParseAsync(configured)).Head!.QuerySelector("style")!.TextContent);
    }

    [Fact]
    public async Task PostMethod_ShowsThatTheFormIsNotResent_GetCountsDown()
    {
        await using var app = await StartAsync("Development");

        using var post = await app.Client.GetAsync(Gallery + "?type=connection_refused&method=POST");
        using var get = await app.Client.GetAsync(Gallery + "?type=connection_refused&method=get");
        var postPage = await ParseAsync(post);
        var getPage = await ParseAsync(get);

        Assert.Contains(PageTexts.Create("en", null).Text["notResent"], postPage.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal("manual", postPage.QuerySelector("[data-gw-retry]")!.GetAttribute("data-gw-retry"));
        Assert.Equal("auto", getPage.QuerySelector("[data-gw-retry]")!.GetAttribute("data-gw-retry"));
        Assert.DoesNotContain(PageTexts.Create("en", null).Text["notResent"], getPage.Body!.TextContent, StringComparison.Ordinal);
    }

    private static void AssertPreviewHeaders(HttpResponseMessage response)
    {
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Contains("noindex", response.Headers.GetValues("X-Robots-Tag").Single(), StringComparison.Ordinal);
    }

    private static async Task<IHtmlDocument> ParseAsync(HttpResponseMessage response)
        => new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());

    private static Task<GatewayTestApp> StartAsync(
        string environment, Dictionary<string, string?>? settings = null, string? contentRoot = null, Action<IServiceCollection>? services = null)
        => GatewayTestApp.StartAsync(s =>
        {
            s.Services = services;
            s.Environment = environment;
            s.Configuration = settings ?? [];
            s.ContentRoot = contentRoot;
            s.Endpoints = static app => app.MapGatewayErrorsPreview();
        });
}
