using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using GatewayErrors.Tests.TestSupport;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// samples/CustomTheme: the team's 502 page inside its layout, the layout around the built-in 503, other formats
/// untouched, edits picked up while it runs, and a broken template refusing the start.
/// </summary>
/// <remarks>The sample runs from a copy of its folder, so the edits stay out of the repository.</remarks>
public sealed class CustomThemeSampleTests(CustomThemeSampleTests.Sample sample) : IClassFixture<CustomThemeSampleTests.Sample>
{
    [Fact]
    public async Task Products_Html_Returns502FromTheTeamsTemplateInsideTheLayout()
    {
        using var response = await sample.App.GetAsync("/products", "text/html");

        await sample.App.AssertStatusAsync(502, response);
        Assert.Equal("connection_refused", ProxyStatusError(response));
        var page = await ParseAsync(response);
        Assert.Equal("Our Product catalog is not answering", page.QuerySelector("main h1")!.TextContent);
        Assert.Contains("Your basket is saved; nothing was charged.", page.QuerySelector("main .gw-lead")!.TextContent, StringComparison.Ordinal);
        AssertBranded(page);

        // 502.sbn-html reuses the built-in pieces.
        Assert.NotNull(page.QuerySelector("main .gw-hops"));

        // Production: the owner section stays out.
        Assert.DoesNotContain("For the site owner", page.Body!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckoutPay_Html_Returns502FromTheCheckoutPageSet_InsideTheSiteLayout()
    {
        using var response = await sample.App.GetAsync("/checkout/pay", "text/html");

        await sample.App.AssertStatusAsync(502, response);
        Assert.Equal("connection_refused", ProxyStatusError(response));
        var page = await ParseAsync(response);
        Assert.Equal("Your payment was not taken", page.QuerySelector("main h1")!.TextContent);
        Assert.NotNull(page.QuerySelector("main .gw-ref"));
        AssertBranded(page);
    }

    [Fact]
    public async Task Maintenance_Html_Returns503WithRetryAfter300_TheBuiltInContentInsideTheLayout()
    {
        using var response = await sample.App.GetAsync("/maintenance", "text/html");

        await sample.App.AssertStatusAsync(503, response);
        Assert.Equal("destination_unavailable", ProxyStatusError(response));
        Assert.Equal("300", string.Join(", ", response.Headers.GetValues("Retry-After")));
        var page = await ParseAsync(response);
        AssertBranded(page);
        Assert.DoesNotContain("is not answering", page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal("Upstream service unavailable", page.QuerySelector("main h1")!.TextContent.Trim());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task Products_JsonOrNoAccept_GetsProblemOrPlainText_WhateverTheTemplatesSay(string? accept)
    {
        using var response = await sample.App.GetAsync("/products", accept);
        var body = await response.Content.ReadAsStringAsync();

        await sample.App.AssertStatusAsync(502, response);
        Assert.DoesNotContain("Acme", body, StringComparison.Ordinal);
        if (accept is null)
        {
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("\nError type: connection_refused\n", body, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("connection_refused", (await ProblemAsync(response)).GetProperty("errorType").GetString());
        }
    }

    [Fact]
    public async Task EditedTemplate_ShowsOnTheNextRequest_WithoutARestart()
    {
        var file = Path.Combine(sample.ContentRoot, "templates", "502.sbn-html");
        var original = await File.ReadAllTextAsync(file);
        try
        {
            await File.WriteAllTextAsync(file, original.Replace("is not answering", "is taking a break", StringComparison.Ordinal));
            await WaitForHeadingAsync("Our Product catalog is taking a break");
        }
        finally
        {
            await File.WriteAllTextAsync(file, original);
        }

        await WaitForHeadingAsync("Our Product catalog is not answering");
    }

    [Fact]
    public async Task Production_Preview_Returns404()
    {
        using var response = await sample.App.GetAsync("/_gateway/error-pages", "text/html");

        Assert.Equal(404, (int)response.StatusCode);
    }

    [Fact]
    public async Task BrokenTemplateAtStart_RefusesToStart_NamingTheFileAndPosition()
    {
        using var copy = Sample.CopySample();
        var file = Path.Combine(copy.Path, "templates", "502.sbn-html");
        await File.WriteAllTextAsync(file, "<h1>{{ upstream }}</h1>\n<p>{{ summary + }}</p>\n");

        var failure = await Assert.ThrowsAsync<TimeoutException>(() => SampleApp.StartAsync("CustomTheme", contentRoot: copy.Path));

        Assert.Contains("exited", failure.Message, StringComparison.Ordinal);
        Assert.Contains("templates/502.sbn-html", failure.Message, StringComparison.Ordinal);
        Assert.Contains("line 2, column 17", failure.Message, StringComparison.Ordinal);
    }

    private static async Task<IDocument> ParseAsync(HttpResponseMessage response)
    {
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
    }

    /// <summary>layout.sbn-html, the acme-footer partial and the Branding section of appsettings.json all made it onto the page.</summary>
    private static void AssertBranded(IDocument page)
    {
        Assert.Equal("Acme Outfitters", page.QuerySelector("header.acme-bar span")!.TextContent);
        Assert.StartsWith("Acme Outfitters · Orders placed before this error are safe.", page.QuerySelector("footer.acme-foot")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("--accent:#0f766e", page.Head!.InnerHtml, StringComparison.Ordinal);

        // The layout speaks the page's language and direction rather than a hard-coded lang="en".
        Assert.Equal("en", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("ltr", page.DocumentElement.GetAttribute("dir"));
    }

    /// <summary>Asks for the page until its heading is <paramref name="expected"/>: the file watcher reloads in the background.</summary>
    private async Task WaitForHeadingAsync(string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string? heading;
        do
        {
            using var response = await sample.App.GetAsync("/products", "text/html");
            heading = (await ParseAsync(response)).QuerySelector("main h1")?.TextContent;
            if (heading == expected)
            {
                return;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"The page still says \"{heading}\", not \"{expected}\", 15 s after the edit.\n{sample.App.Output}");
    }

    /// <summary>The sample run from a copy of its folder, in Production unless a subclass names another environment.</summary>
    public class Sample : SampleFixture
    {
        private readonly string? _environment;
        private TempContentRoot? _copy;

        public Sample()
        {
        }

        /// <summary>xunit wants one public constructor on a fixture: the other environments come from subclasses.</summary>
        protected Sample(string environment) => _environment = environment;

        internal string ContentRoot => _copy!.Path;

        /// <summary>What <c>dotnet run</c> reads from the project folder: appsettings.json and templates/.</summary>
        internal static TempContentRoot CopySample()
        {
            var project = RepositoryRoot.Combine("samples", "CustomTheme");
            var copy = new TempContentRoot();
            File.Copy(Path.Combine(project, "appsettings.json"), Path.Combine(copy.Path, "appsettings.json"));
            foreach (var file in Directory.EnumerateFiles(Path.Combine(project, "templates"), "*", SearchOption.AllDirectories))
            {
                copy.Write(Path.GetRelativePath(Path.Combine(project, "templates"), file), File.ReadAllText(file));
            }

            return copy;
        }

        internal override Task<SampleApp> StartAsync()
        {
            _copy = CopySample();
            var variables = new Dictionary<string, string?>();
            if (_environment is not null)
            {
                variables["ASPNETCORE_ENVIRONMENT"] = _environment;
            }

            return SampleApp.StartAsync("CustomTheme", variables, _copy.Path);
        }

        internal override ValueTask CleanUpAsync()
        {
            _copy?.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>samples/CustomTheme in Development, as its README says: the owner section appears on the team's page.</summary>
public sealed class CustomThemeDevelopmentSampleTests(CustomThemeDevelopmentSampleTests.Sample sample) : IClassFixture<CustomThemeDevelopmentSampleTests.Sample>
{
    [Fact]
    public async Task Development_Products_ShowsTheOwnerSection()
    {
        using var response = await sample.App.GetAsync("/products", "text/html");

        await sample.App.AssertStatusAsync(502, response);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        Assert.Equal("For the site owner", page.QuerySelector("#gw-owner-h")?.TextContent);
        Assert.Equal("Our Product catalog is not answering", page.QuerySelector("main h1")!.TextContent);
    }

    [Fact]
    public async Task Development_Preview_LinksThePages_ShowsTheTeamsTemplatesInArabicAndAPost()
    {
        using var gallery = await sample.App.GetAsync("/_gateway/error-pages");
        var links = new HtmlParser().ParseDocument(await gallery.Content.ReadAsStringAsync()).QuerySelectorAll("table a[href]");
        using var response = await sample.App.GetAsync("/_gateway/error-pages?type=connection_refused&lang=ar&method=POST");
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());

        Assert.Equal(200, (int)gallery.StatusCode);
        Assert.Contains(links, static a => a.GetAttribute("href")!.Contains("type=connection_refused&status=502", StringComparison.Ordinal));
        Assert.Contains(links, static a => a.GetAttribute("href")!.Contains("set=checkout", StringComparison.Ordinal));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("ar", response.Content.Headers.ContentLanguage.Single());
        Assert.Equal("rtl", page.DocumentElement.GetAttribute("dir"));
        Assert.Equal("Acme Outfitters", page.QuerySelector("header.acme-bar span")!.TextContent);
        Assert.StartsWith("Our Product catalog", page.QuerySelector("main h1")!.TextContent, StringComparison.Ordinal);

        // No 503 template: the layout wraps the built-in content, which tells a POST it was not sent again.
        using var post = await sample.App.GetAsync("/_gateway/error-pages?type=destination_unavailable&method=POST");
        var postPage = new HtmlParser().ParseDocument(await post.Content.ReadAsStringAsync());
        Assert.Equal("manual", postPage.QuerySelector("main [data-gw-retry]")?.GetAttribute("data-gw-retry"));
        Assert.Equal("Acme Outfitters", postPage.QuerySelector("header.acme-bar span")!.TextContent);
    }

    public sealed class Sample() : CustomThemeSampleTests.Sample("Development");
}
