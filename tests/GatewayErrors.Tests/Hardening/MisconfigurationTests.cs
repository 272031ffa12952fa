using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.Hardening;

/// <summary>
/// Every validation rule, reached the way people reach it: a configuration key with a bad value. The app must refuse to
/// start, and the message must name the key so the person reading it knows what to fix.
/// </summary>
/// <remarks>
/// One row per rule of <c>GatewayErrorsOptionsValidator</c>, <c>ErrorPageOptionsValidator</c>,
/// <c>MaintenanceOptionsValidator</c> (which also refuses the removed <c>Resilience</c> settings), <c>GatewayDiagnosticsOptionsValidator</c> and the template start-up check
/// (<c>ErrorPageStartupCheck</c>); a bound that has two sides has a row for each.
/// </remarks>
public class MisconfigurationTests
{
    private const string Upstream = "GatewayErrors:Upstreams:catalog";
    private const string Resilience = Upstream + ":Resilience";

    public static TheoryData<string, string> InvalidValues() => new()
    {
        // GatewayErrorsOptionsValidator
        { "GatewayErrors:ProxyName", " " },
        { "GatewayErrors:ProxyName", "caf\u00e9" },
        { "GatewayErrors:ProxyName", "edge\r\nX-Injected: 1" },
        { "GatewayErrors:StatusCodes:ConnectionRefused", "404" },
        { "GatewayErrors:StatusCodes:HttpResponseTimeout", "600" },
        { Upstream + ":NameResolutionTimeout", "00:00:00" },
        { Upstream + ":NameResolutionTimeout", "-00:00:01" },
        { Upstream + ":NameResolutionTimeout", "00:05:01" },
        { Upstream + ":MaxConcurrentRequests", "0" },
        { Upstream + ":MaxResponseContentBufferSize", "0" },
        { Upstream + ":MaxResponseContentBufferSize", "2147483648" },
        { Upstream + ":DisplayName", "   " },

        // ErrorPageOptionsValidator
        { "GatewayErrors:Theme", "Fancy" },
        { "GatewayErrors:TemplatesPath", "   " },
        { "GatewayErrors:TemplatesPath", "templates\0" },
        { "GatewayErrors:Branding:SiteName", "  " },
        { "GatewayErrors:Branding:SiteName", new string('s', 101) },
        { "GatewayErrors:Branding:AccentColor", "red;}body{display:none" },
        { "GatewayErrors:Branding:AccentColor", "url(https://evil.example/x)" },
        { "GatewayErrors:Branding:LogoUrl", "javascript:alert(1)" },
        { "GatewayErrors:Branding:LogoUrl", "//evil.example/logo.png" },
        { "GatewayErrors:Branding:LogoUrl", "ftp://example.com/logo.png" },
        { "GatewayErrors:Branding:SupportUrl", "javascript:alert(1)" },
        { "GatewayErrors:Branding:SupportUrl", "/support" },
        { "GatewayErrors:Branding:StatusPageUrl", "mailto:ops@example.com" },
        { "GatewayErrors:Branding:SupportEmail", "not-an-address" },
        { "GatewayErrors:Branding:SupportEmail", "a@b\"><script>" },

        // MaintenanceOptionsValidator
        { Upstream + ":Maintenance:Message", new string('m', 501) },
        { Resilience + ":Retry:MaxRetryAttempts", "3" },

        // GatewayDiagnosticsOptionsValidator
        { "GatewayErrors:Diagnostics:LogSummaryWindow", "-00:00:01" },
        { "GatewayErrors:Diagnostics:LogSummaryWindow", "01:00:01" },
        { "GatewayErrors:Diagnostics:RecentWindow", "00:00:00.5" },
        { "GatewayErrors:Diagnostics:RecentWindow", "1.00:00:01" },
        { "GatewayErrors:Diagnostics:DegradedFailureThreshold", "0" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public async Task InvalidOption_FailsAtStartUp_NamingTheKey(string key, string value)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { [key] = value }));

        Assert.Contains(key, exception.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Values the configuration binder cannot convert. Outside dictionaries the binder itself fails (its message names the
    /// key); inside <c>StatusCodes</c> and <c>Upstreams</c> it drops the entry silently, which the configuration validator
    /// turns into a failure naming the key.
    /// </summary>
    [Theory]
    [InlineData("GatewayErrors:StatusCodes:ConnectionRefused", "five hundred")]
    [InlineData(Upstream + ":NameResolutionTimeout", "ten seconds")]
    [InlineData(Upstream + ":MaxConcurrentRequests", "many")]
    [InlineData(Upstream + ":MaxResponseContentBufferSize", "32MB")]
    [InlineData("GatewayErrors:ExposeDetails", "yes")]
    [InlineData("GatewayErrors:Branding:LogoUrl", "http://[::1")]
    [InlineData(Upstream + ":Maintenance:Enabled", "soon")]
    [InlineData(Upstream + ":Maintenance:Until", "tomorrow")]
    [InlineData("GatewayErrors:Diagnostics:EnableEndpoint", "on")]
    [InlineData("GatewayErrors:StatusCodes:ConectionRefused", "503")]
    [InlineData("GatewayErrors:StatusCodes:NotAType", "502")]
    public async Task UnconvertibleValue_FailsAtStartUp_NamingTheKey(string key, string value)
    {
        // InvalidOperationException from the binder, OptionsValidationException from validation.
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(new() { [key] = value }));
        Assert.True(exception is InvalidOperationException or OptionsValidationException, exception.ToString());

        Assert.Contains(key, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TemplateThatDoesNotCompile_FailsAtStartUp_NamingTheTemplate()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["GatewayErrors:Templates:connection_refused"] = "<h1>{{ if title }}unclosed</h1>",
        }));

        Assert.Contains("GatewayErrors:Templates:connection_refused", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TemplateFileThatDoesNotCompile_FailsAtStartUp_NamingTheFile()
    {
        var folder = Directory.CreateTempSubdirectory("gw-hardening-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "502.sbn-html"), "<p>{{ for hop in hops }}never closed</p>");

            var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { ["GatewayErrors:TemplatesPath"] = folder.FullName }));

            Assert.Contains("502.sbn-html", exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TemplatesPathThatDoesNotExist_FailsAtStartUp_NamingTheKey()
    {
        var missing = Path.Combine(Path.GetTempPath(), "gw-hardening-missing-" + Guid.NewGuid().ToString("N"));

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { ["GatewayErrors:TemplatesPath"] = missing }));

        Assert.Contains("GatewayErrors:TemplatesPath", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralMistakes_AreAllReportedAtOnce()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["GatewayErrors:Theme"] = "Fancy",
            [Upstream + ":MaxConcurrentRequests"] = "0",
            [Resilience + ":TotalTimeout"] = "00:00:30",
            ["GatewayErrors:Diagnostics:DegradedFailureThreshold"] = "0",
        }));

        Assert.Contains("GatewayErrors:Theme", exception.Message, StringComparison.Ordinal);
        Assert.Contains(Upstream + ":MaxConcurrentRequests", exception.Message, StringComparison.Ordinal);
        Assert.Contains(Resilience, exception.Message, StringComparison.Ordinal);
        Assert.Contains("GatewayErrors:Diagnostics:DegradedFailureThreshold", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidConfigurationOfEveryKey_Starts()
    {
        // The other side of the table: the values people write in the docs must start.
        await StartAsync(new()
        {
            ["GatewayErrors:ProxyName"] = "shop-edge",
            ["GatewayErrors:StatusCodes:ConnectionRefused"] = "503",
            [Upstream + ":NameResolutionTimeout"] = "00:00:05",
            [Upstream + ":MaxConcurrentRequests"] = "200",
            [Upstream + ":MaxResponseContentBufferSize"] = "1048576",
            [Upstream + ":DisplayName"] = "Catalog service",
            ["GatewayErrors:Theme"] = "console",
            ["GatewayErrors:Branding:SiteName"] = "Shop",
            ["GatewayErrors:Branding:AccentColor"] = "#0b5fff",
            ["GatewayErrors:Branding:LogoUrl"] = "/logo.svg",
            ["GatewayErrors:Branding:SupportUrl"] = "https://example.com/support",
            ["GatewayErrors:Branding:StatusPageUrl"] = "https://status.example.com/",
            ["GatewayErrors:Branding:SupportEmail"] = "support@example.com",
            ["GatewayErrors:Templates:connection_refused"] = "<h1>{{ title }}</h1>",
            [Upstream + ":Maintenance:Enabled"] = "false",
            [Upstream + ":Maintenance:Until"] = "2026-12-01T12:00:00Z",
            [Upstream + ":Maintenance:Message"] = "We are upgrading the catalog.",
            ["GatewayErrors:Diagnostics:LogSummaryWindow"] = "00:00:00",
            ["GatewayErrors:Diagnostics:RecentWindow"] = "00:00:01",
            ["GatewayErrors:Diagnostics:DegradedFailureThreshold"] = "1",
        });
    }

    /// <summary>Starts an app configured like the README (plus the standard resilience handler), then stops it.</summary>
    private static async Task StartAsync(Dictionary<string, string?> configuration)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddGatewayErrors();
        builder.Services.AddHttpClient("catalog", c => c.BaseAddress = new Uri("http://127.0.0.1:1/"))
            .AddGatewayErrorsHandler()
            .AddStandardResilienceHandler();

        await using var app = builder.Build();
        app.UseGatewayErrors();
        await app.StartAsync();
        await app.StopAsync();
    }
}
