using System.IO.Compression;
using System.Xml.Linq;
using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Grpc.Tests;

/// <summary>The package is packed like the core: icon, its own readme, XML docs, symbols, and the right dependencies.</summary>
public sealed class PackageTests
{
    [Fact]
    public async Task Pack_ShipsIconReadmeDocsAndSymbols_AndDependsOnExactlyThisCoreAndGrpcServer2850()
    {
        var feed = Path.Combine(Path.GetTempPath(), "gwe-grpc-pack-" + Guid.NewGuid().ToString("N"));
        try
        {
            // A configuration of its own, so this build never shares output folders with another pack running beside it: the
            // newcomer test packs the core in Release, the YARP package test in PackCheck, and dotnet test runs the test
            // assemblies in parallel. The test run already restored.
            await DotnetProcess.RunAsync(RepositoryRoot.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(5),
                "pack", RepositoryRoot.Combine("src", "GatewayErrors.Grpc"), "-c", "PackCheckGrpc", "--no-restore", "-o", feed, "-tl:off");

            var nupkg = Assert.Single(Directory.GetFiles(feed, "GatewayErrors.Grpc.*.nupkg"));
            Assert.Single(Directory.GetFiles(feed, "GatewayErrors.Grpc.*.snupkg"));
            using var package = ZipFile.OpenRead(nupkg);
            var entries = package.Entries.Select(static e => e.FullName).ToHashSet();
            Assert.Contains("icon.png", entries);
            Assert.Contains("PACKAGE.md", entries);
            Assert.Contains("lib/net10.0/GatewayErrors.Grpc.dll", entries);
            Assert.Contains("lib/net10.0/GatewayErrors.Grpc.xml", entries);

            using var nuspecStream = package.GetEntry("GatewayErrors.Grpc.nuspec")!.Open();
            var nuspec = XDocument.Load(nuspecStream);
            XNamespace ns = nuspec.Root!.GetDefaultNamespace();
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            Assert.Equal("PACKAGE.md", metadata.Element(ns + "readme")?.Value);
            Assert.Equal("icon.png", metadata.Element(ns + "icon")?.Value);
            var dependencies = metadata.Descendants(ns + "dependency").ToDictionary(static d => d.Attribute("id")!.Value, static d => d.Attribute("version")!.Value);
            Assert.Equal(2, dependencies.Count);
            Assert.Equal("2.85.0", dependencies["Grpc.AspNetCore.Server"]);
            // The adapter uses the core's internals: exactly one core version fits.
            Assert.Matches(@"^\[\d+\.\d+\.\d+[^,\]]*\]$", dependencies["GatewayErrors"]);
        }
        finally
        {
            if (Directory.Exists(feed))
            {
                Directory.Delete(feed, recursive: true);
            }
        }
    }
}
