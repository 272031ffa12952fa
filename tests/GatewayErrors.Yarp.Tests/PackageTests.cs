using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Yarp.Tests;

/// <summary>The package is packed like the core: icon, its own readme, XML docs, symbols, and the right dependencies.</summary>
public sealed class PackageTests
{
    [Fact]
    public Task Pack_ShipsIconReadmeDocsAndSymbols_AndDependsOnExactlyThisCoreAndYarp230()
        => AdapterPackage.AssertPacksAsync("GatewayErrors.Yarp", "PackCheck", "Yarp.ReverseProxy", "2.3.0");
}
