using System.Net.Http.Headers;
using AngleSharp.Html.Parser;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// samples/Minimal run the way an app built with <c>&lt;InvariantGlobalization&gt;true&lt;/InvariantGlobalization&gt;</c>
/// (the slim and AOT templates) runs: <c>DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1</c> is the runtime switch the property
/// sets. Without culture data .NET creates no <c>CultureInfo</c> but the invariant one, so no satellite resources can be
/// looked up: every answer is a correct English one that says so.
/// </summary>
public sealed class InvariantGlobalizationTests(InvariantGlobalizationTests.Sample sample) : IClassFixture<InvariantGlobalizationTests.Sample>
{
    [Theory]
    [InlineData("de")]
    [InlineData("ja-JP,ja;q=0.9")]
    [InlineData("zh-CN")]
    public async Task AcceptLanguage_InvariantApp_AnswersEnglishAndSaysSo(string acceptLanguage)
    {
        using var page = await SendAsync(sample.App, "text/html", acceptLanguage);
        using var problem = await SendAsync(sample.App, "application/json", acceptLanguage);
        using var text = await SendAsync(sample.App, null, acceptLanguage);

        await sample.App.AssertStatusAsync(502, page);
        var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        Assert.Equal("en", Assert.Single(page.Content.Headers.ContentLanguage));
        Assert.Equal("en", document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("ltr", document.DocumentElement.GetAttribute("dir"));
        Assert.Equal("Upstream service refused the connection", document.QuerySelector("h1")?.TextContent);

        await sample.App.AssertStatusAsync(502, problem);
        Assert.Equal("en", Assert.Single(problem.Content.Headers.ContentLanguage));
        Assert.Equal("Upstream service refused the connection", (await ProblemAsync(problem)).GetProperty("title").GetString());

        await sample.App.AssertStatusAsync(502, text);
        Assert.StartsWith("502 Bad Gateway: Upstream service refused the connection\n", await text.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("CultureNotFoundException", sample.App.Output, StringComparison.Ordinal);
    }

    internal static async Task<HttpResponseMessage> SendAsync(SampleApp app, string? accept, string acceptLanguage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/products");
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        return await app.Client.SendAsync(request);
    }

    public sealed class Sample() : RefusedUpstreamSample("Minimal", "CatalogUrl", ("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1"));
}

/// <summary>
/// The same app with <c>&lt;PredefinedCulturesOnly&gt;false&lt;/PredefinedCulturesOnly&gt;</c> as well
/// (<c>DOTNET_SYSTEM_GLOBALIZATION_PREDEFINED_CULTURES_ONLY=0</c>): .NET then creates a culture for any well-formed
/// name, without its data, and the satellite resources of GatewayErrors are found by that name, so pages are localized.
/// </summary>
public sealed class InvariantGlobalizationAnyCultureTests(InvariantGlobalizationAnyCultureTests.Sample sample) : IClassFixture<InvariantGlobalizationAnyCultureTests.Sample>
{
    [Fact]
    public async Task AcceptLanguageDe_InvariantAppThatAllowsAnyCulture_AnswersGerman()
    {
        using var page = await InvariantGlobalizationTests.SendAsync(sample.App, "text/html", "de-DE");

        await sample.App.AssertStatusAsync(502, page);
        var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        Assert.Equal("de", Assert.Single(page.Content.Headers.ContentLanguage));
        Assert.Equal("de", document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Dienst dahinter hat die Verbindung abgelehnt", document.QuerySelector("h1")?.TextContent);
    }

    [Fact]
    public async Task AcceptLanguageZhCN_InvariantAppThatAllowsAnyCulture_TextsAndLabelAgree()
    {
        // Without culture data the name is not normalised (zh-Hans becomes zh-HANS), so on a case-sensitive file system
        // the zh-Hans satellite folder is not found: English, labelled English. Elsewhere: Simplified Chinese.
        using var page = await InvariantGlobalizationTests.SendAsync(sample.App, "text/html", "zh-CN");

        await sample.App.AssertStatusAsync(502, page);
        var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        var language = Assert.Single(page.Content.Headers.ContentLanguage);
        Assert.Equal(language, document.DocumentElement.GetAttribute("lang"));
        Assert.Equal(language == "zh-Hans" ? "后端服务拒绝了连接" : "Upstream service refused the connection", document.QuerySelector("h1")?.TextContent);
        Assert.Contains(language, (string[])["zh-Hans", "en"]);
    }

    public sealed class Sample() : RefusedUpstreamSample("Minimal", "CatalogUrl",
        ("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1"), ("DOTNET_SYSTEM_GLOBALIZATION_PREDEFINED_CULTURES_ONLY", "0"));
}
