using System.IO.Compression;
using System.Xml.Linq;

namespace GatewayErrors.Tests.TestSupport;

/// <summary>
/// Packs an integration package (GatewayErrors.Yarp, GatewayErrors.Grpc) and checks what a user's restore relies on:
/// icon, readme, XML docs, symbols, and exactly two dependencies, an exact core version and the framework it adapts.
/// </summary>
/// <remarks>Linked into the adapters' test projects, which each check their own package.</remarks>
internal static class AdapterPackage
{
    /// <param name="id">The package id, which is also the project's folder under <c>src/</c>.</param>
    /// <param name="configuration">
    /// A build configuration of its own, so this pack never shares output folders with another one running beside it (the
    /// newcomer test packs the core in Release, and dotnet test runs the test assemblies in parallel).
    /// </param>
    /// <param name="dependency">The adapted framework's package id.</param>
    /// <param name="version">The version of <paramref name="dependency"/> the package must depend on.</param>
    public static async Task AssertPacksAsync(string id, string configuration, string dependency, string version)
    {
        var feed = Path.Combine(Path.GetTempPath(), "gwe-pack-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The test run already restored.
            await DotnetProcess.RunAsync(RepositoryRoot.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(5),
                "pack", RepositoryRoot.Combine("src", id), "-c", configuration, "--no-restore", "-o", feed, "-tl:off");

            var nupkg = Assert.Single(Directory.GetFiles(feed, id + ".*.nupkg"));
            Assert.Single(Directory.GetFiles(feed, id + ".*.snupkg"));
            using var package = ZipFile.OpenRead(nupkg);
            var entries = package.Entries.Select(static e => e.FullName).ToHashSet();
            Assert.Contains("icon.png", entries);
            Assert.Contains("PACKAGE.md", entries);
            Assert.Contains($"lib/net10.0/{id}.dll", entries);
            Assert.Contains($"lib/net10.0/{id}.xml", entries);

            using var nuspecStream = package.GetEntry(id + ".nuspec")!.Open();
            var nuspec = XDocument.Load(nuspecStream);
            XNamespace ns = nuspec.Root!.GetDefaultNamespace();
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            Assert.Equal("PACKAGE.md", metadata.Element(ns + "readme")?.Value);
            Assert.Equal("icon.png", metadata.Element(ns + "icon")?.Value);
            var dependencies = metadata.Descendants(ns + "dependency").ToDictionary(static d => d.Attribute("id")!.Value, static d => d.Attribute("version")!.Value);
            Assert.Equal(2, dependencies.Count);
            Assert.Equal(version, dependencies[dependency]);

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
