using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.Rendering;

public class ErrorPageOptionsTests
{
    [Fact]
    public void Defaults_ArePinned()
    {
        var pages = new GatewayErrorsOptions().Pages;

        Assert.Equal("Default", pages.Theme);
        Assert.Null(pages.TemplatesPath);
        Assert.Null(pages.TemplateFileProvider);
        Assert.Empty(pages.Templates);
        Assert.Null(pages.SiteName);
        Assert.Null(pages.LogoUrl);
        Assert.Null(pages.AccentColor);
        Assert.Null(pages.SupportUrl);
        Assert.Null(pages.SupportEmail);
        Assert.Null(pages.StatusPageUrl);
        Assert.Null(pages.ShowTroubleshooting);
        Assert.Equal("Pages", GatewayErrorPageOptions.SectionName);
    }

    [Theory]
    [InlineData("GatewayErrors:Pages:Theme", "fancy", "GatewayErrors:Pages:Theme = 'fancy'")]
    [InlineData("GatewayErrors:Pages:AccentColor", "red;}body{display:none", "GatewayErrors:Pages:AccentColor = 'red;}body{display:none'")]
    [InlineData("GatewayErrors:Pages:AccentColor", "url(https://evil.example/x)", "GatewayErrors:Pages:AccentColor = 'url(https://evil.example/x)'")]
    [InlineData("GatewayErrors:Pages:LogoUrl", "javascript:alert(1)", "GatewayErrors:Pages:LogoUrl = 'javascript:alert(1)'")]
    [InlineData("GatewayErrors:Pages:LogoUrl", "//cdn.example/logo.png", "GatewayErrors:Pages:LogoUrl = '//cdn.example/logo.png'")]
    [InlineData("GatewayErrors:Pages:SupportUrl", "/help", "GatewayErrors:Pages:SupportUrl = '/help'")]
    [InlineData("GatewayErrors:Pages:StatusPageUrl", "ftp://status.example/", "GatewayErrors:Pages:StatusPageUrl = 'ftp://status.example/'")]
    [InlineData("GatewayErrors:Pages:SupportEmail", "not an address", "GatewayErrors:Pages:SupportEmail = 'not an address'")]
    [InlineData("GatewayErrors:Pages:SiteName", " ", "GatewayErrors:Pages:SiteName = ' '")]
    public async Task InvalidSetting_FailsStartup_NamingTheKeyAndValue(string key, string value, string expected)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(
            () => PageHost.StartAsync(settings: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("#0b5fff")]
    [InlineData("#abc")]
    [InlineData("rgb(11, 95, 255)")]
    [InlineData("hsl(220 100% 52%)")]
    [InlineData("rebeccapurple")]
    public void AccentColor_AcceptsCssColours(string color)
    {
        var options = new GatewayErrorsOptions();
        options.Pages.AccentColor = color;

        Assert.True(new GatewayErrorPageOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("minimal")]
    [InlineData("CONSOLE")]
    [InlineData(" Default ")]
    public void Theme_IsCaseInsensitive(string theme)
    {
        var options = new GatewayErrorsOptions();
        options.Pages.Theme = theme;

        Assert.True(new GatewayErrorPageOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(theme.Trim().ToLowerInvariant(), PageBranding.From(options).Theme);
    }

    [Theory]
    [InlineData("/img/logo.svg")]
    [InlineData("https://cdn.example/logo.png")]
    [InlineData("data:image/svg+xml,%3Csvg%3E%3C/svg%3E")]
    public void LogoUrl_AcceptsRootRelativeHttpAndDataImage(string url)
    {
        var options = new GatewayErrorsOptions();
        options.Pages.LogoUrl = new Uri(url, UriKind.RelativeOrAbsolute);

        Assert.True(new GatewayErrorPageOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(url, System.Net.WebUtility.HtmlDecode(PageBranding.From(options).LogoUrl));
    }
}
