using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.DependencyInjection;

public sealed class RegistrationTests
{
    [Fact]
    public void UseGatewayErrors_WithoutAddGatewayErrors_ThrowsMessageNamingTheFix()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        using var app = builder.Build();

        var exception = Assert.Throws<InvalidOperationException>(() => app.UseGatewayErrors());

        Assert.Contains("AddGatewayErrors()", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extensions_RejectNullArguments()
    {
        Assert.Throws<ArgumentNullException>(() => GatewayErrorsServiceCollectionExtensions.AddGatewayErrors(null!));
        Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddGatewayErrors(null!));
        Assert.Throws<ArgumentNullException>(() => GatewayErrorsHttpClientBuilderExtensions.AddGatewayErrorsHandler(null!));
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddHttpClient("x").AddGatewayErrorsHandler(" "));
        Assert.Throws<ArgumentNullException>(() => GatewayErrorsApplicationBuilderExtensions.UseGatewayErrors(null!));
    }

    [Fact]
    public void AddGatewayErrors_CalledTwice_RegistersServicesOnce()
    {
        var services = new ServiceCollection().AddGatewayErrors().AddGatewayErrors();
        services.AddHttpClient("catalog").AddGatewayErrorsHandler();

        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<GatewayErrorsOptions>) && d.ImplementationType == typeof(GatewayErrorsOptionsValidator));
        Assert.Single(services, d => d.ServiceType == typeof(FailureReporter));
    }

    [Fact]
    public void Options_DefaultsArePinned()
    {
        var options = new GatewayErrorsOptions();
        var upstream = new GatewayUpstreamOptions();

        Assert.Null(options.ProxyName);
        Assert.Null(options.ExposeDetails);
        Assert.Empty(options.StatusCodes);
        Assert.Empty(options.Upstreams);
        Assert.Null(upstream.DisplayName);
        Assert.False(upstream.TreatServerErrorsAsFailures);
        Assert.Equal(TimeSpan.FromSeconds(10), upstream.NameResolutionTimeout);
        Assert.Null(upstream.MaxConcurrentRequests);
    }

    [Fact]
    public void Options_BindFromTheGatewayErrorsSection()
    {
        var options = Resolve(new Dictionary<string, string?>
        {
            ["GatewayErrors:ProxyName"] = "edge-1",
            ["GatewayErrors:ExposeDetails"] = "true",
            ["GatewayErrors:StatusCodes:HttpResponseTimeout"] = "503",
            ["GatewayErrors:Upstreams:Catalog:DisplayName"] = "Catalog service",
            ["GatewayErrors:Upstreams:Catalog:TreatServerErrorsAsFailures"] = "true",
            ["GatewayErrors:Upstreams:Catalog:NameResolutionTimeout"] = "00:00:02",
            ["GatewayErrors:Upstreams:Catalog:MaxConcurrentRequests"] = "50",
        });

        Assert.Equal("edge-1", options.ProxyName);
        Assert.True(options.ExposeDetails);
        Assert.Equal(503, options.StatusCodes[GatewayErrorType.HttpResponseTimeout]);
        var catalog = options.Upstreams["catalog"];
        Assert.Equal("Catalog service", catalog.DisplayName);
        Assert.True(catalog.TreatServerErrorsAsFailures);
        Assert.Equal(TimeSpan.FromSeconds(2), catalog.NameResolutionTimeout);
        Assert.Equal(50, catalog.MaxConcurrentRequests);
    }

    [Theory]
    [InlineData("GatewayErrors:StatusCodes:ConnectionRefused", "200", "GatewayErrors:StatusCodes:ConnectionRefused = 200")]
    [InlineData("GatewayErrors:Upstreams:catalog:NameResolutionTimeout", "00:00:00", "GatewayErrors:Upstreams:catalog:NameResolutionTimeout = 00:00:00")]
    [InlineData("GatewayErrors:Upstreams:catalog:MaxConcurrentRequests", "0", "GatewayErrors:Upstreams:catalog:MaxConcurrentRequests = 0")]
    [InlineData("GatewayErrors:Upstreams:catalog:DisplayName", " ", "GatewayErrors:Upstreams:catalog:DisplayName")]
    [InlineData("GatewayErrors:ProxyName", "caf\u00e9", "GatewayErrors:ProxyName")]
    public Task InvalidOption_FailsAtStartupNamingTheKey(string key, string value, string expected)
        => GatewayTestApp.AssertStartFailsAsync(key, value, expected);

    [Fact]
    public void ExposeDetails_DefaultsToDevelopmentOnly()
    {
        Assert.False(Resolve([], "Production").ExposeDetails);
        Assert.True(Resolve([], "Development").ExposeDetails);
        Assert.False(Resolve(new() { ["GatewayErrors:ExposeDetails"] = "false" }, "Development").ExposeDetails);
    }

    private static GatewayErrorsOptions Resolve(Dictionary<string, string?> configuration, string environment = "Production")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddGatewayErrors();
        using var app = builder.Build();
        return app.Services.GetRequiredService<IOptions<GatewayErrorsOptions>>().Value;
    }

    [Theory]
    [InlineData("Shop.Edge", "Shop.Edge")]
    [InlineData("Boutique-\u00e9t\u00e9", "gateway")]
    [InlineData("", "gateway")]
    public void DefaultProxyName_IsTheApplicationNameOnlyWhenAHeaderCanCarryIt(string applicationName, string expected)
        => Assert.Equal(expected, GatewayErrorsServiceCollectionExtensions.DefaultProxyName(applicationName));
}
