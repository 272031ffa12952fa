using GatewayErrors.Tests.Rendering;

namespace GatewayErrors.Tests.Responses;

/// <summary>The page of last resort, sent when a theme fails: in the visitor's language, and as safe as the themes.</summary>
public sealed class HtmlErrorPageTests
{
    private static readonly PageBranding Branding = PageBranding.From(new GatewayErrorsOptions());

    [Fact]
    public void ArabicVisitor_GetsTheLastResortPageInArabic_RightToLeft_WithHostileValuesEncoded()
    {
        var html = HtmlErrorPage.Render(Response(TimeSpan.FromSeconds(45)), PageTexts.Create("ar", null));
        var document = PageHost.Parse(html);

        Assert.Equal("ar", document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("rtl", document.DocumentElement.GetAttribute("dir"));
        Assert.Equal("502 رفضت الخدمة الخلفية الاتصال", document.QuerySelector("h1")!.TextContent);
        Assert.Contains(document.QuerySelectorAll("p"), p => p.TextContent == "حاول مرة أخرى بعد 45 ثانية.");
        Assert.Equal(["الخدمة الخلفية", "الخطأ", "المرجع", "الوقت", "Next hop", "Detail"], document.QuerySelectorAll("dt").Select(dt => dt.TextContent));
        Assert.Equal("en", document.QuerySelectorAll("dt")[4].GetAttribute("lang"));

        // Hostile values are text, never markup, in every place the page shows them.
        Assert.Empty(document.QuerySelectorAll("main b, main script, main img"));
        Assert.Contains(document.QuerySelectorAll("dd bdi"), bdi => bdi.TextContent == "Catalog <b>&</b>");
        Assert.Equal("Deploying <script>alert(1)</script>", document.QuerySelector("strong bdi")!.TextContent);
        Assert.Equal("2026-01-02 03:04:05 UTC", document.QuerySelectorAll("dd")[3].TextContent);
        Assert.Empty(document.Scripts);
    }

    [Fact]
    public void EnglishTexts_GiveTheEnglishPage_LeftToRight()
    {
        var html = HtmlErrorPage.Render(Response(retry: null), PageTexts.Create("en", null));
        var document = PageHost.Parse(html);

        Assert.Equal("en", document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("ltr", document.DocumentElement.GetAttribute("dir"));
        Assert.Equal("502 Upstream service refused the connection", document.QuerySelector("h1")!.TextContent);
        Assert.Contains(document.QuerySelectorAll("p"), p => p.TextContent == "Wait a minute, then reload the page.");
        Assert.Equal("Service behind it", document.QuerySelector("dt")!.TextContent);
    }

    private static ErrorResponse Response(TimeSpan? retry) => new()
    {
        StatusCode = 502,
        ReasonPhrase = "Bad Gateway",
        Type = ErrorTaxonomy.Get(GatewayErrorType.ConnectionRefused),
        UpstreamDisplayName = "Catalog <b>&</b>",
        TraceId = "abc\"<x>",
        Timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Method = "GET",
        Path = "/",
        RetryAfter = retry,
        NextHop = "catalog.internal:8080",
        Detail = "Connection refused <img src=x onerror=alert(1)>",
        Notice = new ErrorNotice("Deploying <script>alert(1)</script>", null, null),
    };
}
