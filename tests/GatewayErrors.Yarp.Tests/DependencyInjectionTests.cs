using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Forwarder;

namespace GatewayErrors.Yarp.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddGatewayErrors_NullBuilder_Throws()
        => Assert.Throws<ArgumentNullException>("builder", () => GatewayErrorsReverseProxyBuilderExtensions.AddGatewayErrors(null!));

    [Fact]
    public void AddGatewayErrors_CalledTwice_RegistersTheSeamOnce()
    {
        var services = new ServiceCollection();
        services.AddReverseProxy().AddGatewayErrors().AddGatewayErrors();

        Assert.Single(services, static d => d.ServiceType == typeof(IReportedFailureSource));
        Assert.Single(services, static d => d.ServiceType == typeof(IForwarderHttpClientFactory));
    }

    [Fact]
    public void CorePackage_DoesNotReferenceYarp()
        => Assert.DoesNotContain(typeof(GatewayErrorsOptions).Assembly.GetReferencedAssemblies(),
            static a => a.Name?.StartsWith("Yarp", StringComparison.Ordinal) == true);
}
