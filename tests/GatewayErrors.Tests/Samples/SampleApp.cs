using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// Runs a sample from its build output, as <c>dotnet run</c> would, on a port Kestrel picks; dispose to stop it.
/// </summary>
/// <remarks>The test project references the samples (without their assemblies), so building the tests builds them.</remarks>
internal sealed class SampleApp : IAsyncDisposable
{
    private readonly DotnetProcess _process;

    private SampleApp(DotnetProcess process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output => _process.Output;

    public static async Task<SampleApp> StartAsync(string name, IReadOnlyDictionary<string, string?> configuration)
    {
        // tests/GatewayErrors.Tests/bin/<Configuration>/<tfm>/ -> samples/<name>/bin/<Configuration>/<tfm>/<name>.dll
        var tfm = new DirectoryInfo(AppContext.BaseDirectory);
        var output = RepositoryRoot.Combine("samples", name, "bin", tfm.Parent!.Name, tfm.Name);
        var assembly = Path.Combine(output, name + ".dll");
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"{assembly} is missing: build the solution (the test project's reference to the sample should have).");
        }

        var environment = new Dictionary<string, string?>(configuration) { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" };
        var process = DotnetProcess.Start(output, environment, assembly);
        try
        {
            var listening = await process.WaitForLineAsync(static l => l.Contains("Now listening on:", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            var address = listening[listening.IndexOf("http://", StringComparison.Ordinal)..].Trim();
            return new SampleApp(process, new Uri(address));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
