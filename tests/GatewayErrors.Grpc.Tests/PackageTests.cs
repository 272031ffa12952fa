using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Grpc.Tests;

/// <summary>The package is packed like the core: icon, its own readme, XML docs, symbols, and the right dependencies.</summary>
public sealed class PackageTests
{
    [Fact]
    public Task Pack_ShipsIconReadmeDocsAndSymbols_AndDependsOnExactlyThisCoreAndGrpcServer2850()
        => AdapterPackage.AssertPacksAsync("GatewayErrors.Grpc", "PackCheckGrpc", "Grpc.AspNetCore.Server", "2.85.0");
}
