using System.Net;
using System.Net.Http.Headers;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using GatewayErrors.Tests.TestSupport;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// samples/OutagePlayground's switches (theme, language, Production view) change the next error page its real
/// upstreams cause, without a restart. The theme and the view are app-wide, so this class has a playground of its own
/// and puts both back before each test.
/// </summary>
public sealed class OutagePlaygroundSwitchesSampleTests(OutagePlaygroundSwitchesSampleTests.Sample sample)
    : IClassFixture<OutagePlaygroundSwitchesSampleTests.Sample>, IAsyncLifetime
{
    private static readonly HtmlParser Parser = new();

    public async Task InitializeAsync()
    {
        using var visitor = NewVisitor();
        await SwitchAsync(visitor, ("theme", "default"), ("view", "development"));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ThemeSwitch_OffersEveryBuiltInTheme_AndTheNextPageUsesIt()
    {
        // Every theme the package ships: a stylesheet in Rendering/Themes.
        var shipped = Directory.GetFiles(RepositoryRoot.Combine("src", "GatewayErrors", "Rendering", "Themes"), "*.css")
            .Select(static f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToArray();
        using var visitor = NewVisitor();
        Assert.Equal(shipped, (await OfferedAsync(visitor, "theme")).Order(StringComparer.Ordinal));

        var styles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var theme in shipped)
        {
            await SwitchAsync(visitor, ("theme", theme));
            using var response = await PageAsync(visitor, "text/html");
            var page = Parser.ParseDocument(await response.Content.ReadAsStringAsync());

            await sample.App.AssertStatusAsync(502, response);
            Assert.Contains("gw-theme-" + theme, page.Body!.ClassList);
            Assert.True(styles.Add(page.Head!.QuerySelector("style")!.TextContent), $"The {theme} page has the CSS of another theme.");
        }
    }

    [Fact]
    public async Task LanguageSwitch_OffersEveryShippedLanguage_AndTheNextPageIsInIt_RightToLeftForArabic()
    {
        // English is the neutral resources; every other language is a GatewayErrorPages.<tag>.resx.
        var shipped = Directory.GetFiles(RepositoryRoot.Combine("src", "GatewayErrors", "Localization"), "GatewayErrorPages.*.resx")
            .Select(static f => Path.GetFileNameWithoutExtension(f)["GatewayErrorPages.".Length..])
            .Append("en").Order(StringComparer.Ordinal).ToArray();
        using var visitor = NewVisitor();
        var offered = await OfferedAsync(visitor, "language");
        Assert.Equal(shipped, offered.Where(static tag => tag.Length > 0).Order(StringComparer.Ordinal));
        Assert.Contains("", offered); // "the browser's"

        foreach (var tag in shipped)
        {
            await SwitchAsync(visitor, ("language", tag));
            using var response = await PageAsync(visitor, "text/html");
            var html = Parser.ParseDocument(await response.Content.ReadAsStringAsync()).DocumentElement;

            Assert.Equal(tag, string.Join(",", response.Content.Headers.ContentLanguage));
            Assert.Equal(tag, html.GetAttribute("lang"));
            Assert.Equal(tag == "ar" ? "rtl" : "ltr", html.GetAttribute("dir"));
        }

        // The choice is the visitor's own: another browser still gets the language it asks for.
        using (var other = NewVisitor())
        using (var english = await PageAsync(other, "text/html"))
        {
            Assert.Equal("en", string.Join(",", english.Content.Headers.ContentLanguage));
        }

        // "The browser's" hands the choice back to Accept-Language.
        await SwitchAsync(visitor, ("language", ""));
        using var back = await PageAsync(visitor, "text/html", acceptLanguage: "de");
        Assert.Equal("de", string.Join(",", back.Content.Headers.ContentLanguage));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("text/html")]
    public async Task ProductionView_NamesNoUpstreamHostPortOrException_AndDevelopmentViewBringsThemBack(string? accept)
    {
        using var visitor = NewVisitor();
        string hop;
        using (var development = await PageAsync(visitor, accept))
        {
            // The playground runs in Development: the refusing upstream's address and the socket error are shown.
            hop = Assert.IsType<string>(ProxyStatus(development)["next-hop"]);
            Assert.Matches(@"^127\.0\.0\.1:\d+$", hop);
            Assert.NotNull(ProxyStatus(development)["details"]);
        }

        await SwitchAsync(visitor, ("view", "production"));
        using (var production = await PageAsync(visitor, accept))
        {
            var body = await production.Content.ReadAsStringAsync();
            var port = hop[(hop.IndexOf(':', StringComparison.Ordinal) + 1)..];

            await sample.App.AssertStatusAsync(502, production);
            Assert.Equal("connection_refused", ProxyStatusError(production));
            Assert.Null(ProxyStatus(production)["next-hop"]);
            Assert.Null(ProxyStatus(production)["details"]);
            Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
            Assert.DoesNotContain(":" + port, body, StringComparison.Ordinal);
            Assert.DoesNotContain("Connection refused", body, StringComparison.Ordinal);
            if (accept == "text/html")
            {
                // The owner's advice follows ExposeDetails: a visitor in Production never sees it.
                Assert.Null(Parser.ParseDocument(body).QuerySelector(".gw-owner"));
            }
        }

        await SwitchAsync(visitor, ("view", "development"));
        using var again = await PageAsync(visitor, accept);
        Assert.Equal(hop, ProxyStatus(again)["next-hop"]);
    }

    [Fact]
    public async Task SwitchesForm_GoesBackToTheSwitches_AndAnUnknownValueIsRefusedAndChangesNothing()
    {
        using var visitor = NewVisitor();
        using (var form = new HttpRequestMessage(HttpMethod.Post, "/switches") { Content = Form(("theme", "console")) })
        {
            // What a browser's form post sends.
            form.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
            using var redirected = await visitor.SendAsync(form);
            Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
            Assert.Equal("/#switches", redirected.Headers.Location?.OriginalString);
        }

        foreach (var field in (string[])["theme", "language", "view"])
        {
            using var refused = await visitor.PostAsync("/switches", Form((field, "<script>")));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.StartsWith(field + ":", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var page = await PageAsync(visitor, "text/html");
        Assert.Contains("gw-theme-console", Parser.ParseDocument(await page.Content.ReadAsStringAsync()).Body!.ClassList);
    }

    /// <summary>A browser of its own: cookies kept, redirects not followed.</summary>
    private HttpClient NewVisitor()
        => new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = sample.App.Address };

    private async Task SwitchAsync(HttpClient visitor, params (string Name, string Value)[] fields)
    {
        using var response = await visitor.PostAsync("/switches", Form(fields));
        await sample.App.AssertStatusAsync(200, response);
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields)
        => new(fields.Select(static f => KeyValuePair.Create(f.Name, f.Value)));

    /// <summary>The values of the home page's select named <paramref name="name"/>: what the switch offers.</summary>
    private static async Task<string[]> OfferedAsync(HttpClient visitor, string name)
    {
        var home = Parser.ParseDocument(await visitor.GetStringAsync("/"));
        var select = home.QuerySelector($"form[action='/switches'] select[name='{name}']");
        Assert.NotNull(select);
        return select.QuerySelectorAll("option").Select(static o => o.GetAttribute("value") ?? "").ToArray();
    }

    /// <summary>The refusing upstream's error, as a visitor asking for <paramref name="accept"/> gets it.</summary>
    private static async Task<HttpResponseMessage> PageAsync(HttpClient visitor, string? accept, string? acceptLanguage = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/demo/refused");
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        if (acceptLanguage is not null)
        {
            request.Headers.AcceptLanguage.Add(new StringWithQualityHeaderValue(acceptLanguage));
        }

        return await visitor.SendAsync(request);
    }

    public sealed class Sample : SampleFixture
    {
        internal override Task<SampleApp> StartAsync() => SampleApp.StartAsync("OutagePlayground");
    }
}
