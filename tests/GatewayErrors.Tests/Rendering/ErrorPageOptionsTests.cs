using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Tests.Rendering;

public class ErrorPageOptionsTests
{
    [Fact]
    public void Defaults_ArePinned()
    {
        var options = new GatewayErrorsOptions();

        Assert.Equal("Default", options.Theme);
        Assert.Null(options.TemplatesPath);
        Assert.Null(options.TemplateFileProvider);
        Assert.Empty(options.Templates);
        Assert.Null(options.Branding.SiteName);
        Assert.Null(options.Branding.LogoUrl);
        Assert.Null(options.Branding.AccentColor);
        Assert.Null(options.Branding.SupportUrl);
        Assert.Null(options.Branding.SupportEmail);
        Assert.Null(options.Branding.StatusPageUrl);
        Assert.Null(options.ShowTroubleshooting);
    }

    [Theory]
    [InlineData("GatewayErrors:Theme", "fancy", "GatewayErrors:Theme = 'fancy'")]
    [InlineData("GatewayErrors:Branding:AccentColor", "red;}body{display:none", "GatewayErrors:Branding:AccentColor = 'red;}body{display:none'")]
    [InlineData("GatewayErrors:Branding:AccentColor", "url(https://evil.example/x)", "GatewayErrors:Branding:AccentColor = 'url(https://evil.example/x)'")]
    [InlineData("GatewayErrors:Branding:LogoUrl", "javascript:alert(1)", "GatewayErrors:Branding:LogoUrl = 'javascript:alert(1)'")]
    [InlineData("GatewayErrors:Branding:LogoUrl", "//cdn.example/logo.png", "GatewayErrors:Branding:LogoUrl = '//cdn.example/logo.png'")]
    [InlineData("GatewayErrors:Branding:SupportUrl", "/help", "GatewayErrors:Branding:SupportUrl = '/help'")]
    [InlineData("GatewayErrors:Branding:StatusPageUrl", "ftp://status.example/", "GatewayErrors:Branding:StatusPageUrl = 'ftp://status.example/'")]
    [InlineData("GatewayErrors:Branding:SupportEmail", "not an address", "GatewayErrors:Branding:SupportEmail = 'not an address'")]
    [InlineData("GatewayErrors:Branding:SiteName", " ", "GatewayErrors:Branding:SiteName = ' '")]
    public Task InvalidSetting_FailsStartup_NamingTheKeyAndValue(string key, string value, string expected)
        => GatewayTestApp.AssertStartFailsAsync(key, value, expected);

    [Theory]
    [InlineData("#0b5fff")]
    [InlineData("#abc")]
    [InlineData("rgb(11, 95, 255)")]
    [InlineData("hsl(220 100% 52%)")]
    [InlineData("rebeccapurple")]
    public void AccentColor_AcceptsCssColours(string color)
    {
        var options = new GatewayErrorsOptions();
        options.Branding.AccentColor = color;

        Assert.True(new ErrorPageOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("minimal")]
    [InlineData("CONSOLE")]
    [InlineData(" Default ")]
    public void Theme_IsCaseInsensitive(string theme)
    {
        var options = new GatewayErrorsOptions();
        options.Theme = theme;

        Assert.True(new ErrorPageOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(theme.Trim().ToLowerInvariant(), PageBranding.From(options).Theme);
    }

    [Theory]
    [InlineData("/img/logo.svg")]
    [InlineData("https://cdn.example/logo.png")]
    [InlineData("data:image/svg+xml,%3Csvg%3E%3C/svg%3E")]
    public void LogoUrl_AcceptsRootRelativeHttpAndDataImage(string url)
    {
        var options = new GatewayErrorsOptions();
        options.Branding.LogoUrl = new Uri(url, UriKind.RelativeOrAbsolute);

        Assert.True(new ErrorPageOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(url, System.Net.WebUtility.HtmlDecode(PageBranding.From(options).LogoUrl));
    }
}
