using System.Net.Http.Headers;
using System.Text.Json;
using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// Runs a sample from its build output as <c>dotnet run --project samples/&lt;name&gt;</c> would (working directory the
/// project folder, so it is the content root; the environment variables of its launch profile), on a port Kestrel
/// picks instead of the profile's; dispose to stop it.
/// </summary>
/// <remarks>
/// The test project references the samples (without their assemblies), so building the tests builds them. Running the
/// built assembly rather than <c>dotnet run</c> leaves out the build <c>dotnet run</c> would repeat on every start.
/// </remarks>
internal sealed class SampleApp : IAsyncDisposable
{
    private readonly DotnetProcess _process;

    private SampleApp(DotnetProcess process, Uri address)
    {
        _process = process;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    /// <summary>A client for <see cref="Address"/> that does not follow redirects or add an <c>Accept</c> header.</summary>
    public HttpClient Client { get; }

    /// <summary>Everything the app wrote to its console so far: failure messages include it.</summary>
    public string Output => _process.Output;

    /// <param name="name">The folder under <c>samples/</c> (and the assembly name).</param>
    /// <param name="environment">Variables set after the launch profile's, so they win (configuration keys use <c>__</c>).</param>
    /// <param name="contentRoot">The working directory, when a test needs its own copy of the sample's files.</param>
    public static async Task<SampleApp> StartAsync(string name, IReadOnlyDictionary<string, string?>? environment = null, string? contentRoot = null)
    {
        // tests/GatewayErrors.Tests/bin/<Configuration>/<tfm>/ -> samples/<name>/bin/<Configuration>/<tfm>/<name>.dll
        var tfm = new DirectoryInfo(AppContext.BaseDirectory);
        var project = RepositoryRoot.Combine("samples", name);
        var assembly = Path.Combine(project, "bin", tfm.Parent!.Name, tfm.Name, name + ".dll");
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"{assembly} is missing: build the solution (the test project's reference to the sample should have).");
        }

        var variables = LaunchProfileEnvironment(project);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        variables["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        var process = DotnetProcess.Start(contentRoot ?? project, variables, assembly);
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

    public async Task<HttpResponseMessage> GetAsync(string path, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        return await Client.SendAsync(request);
    }

    /// <summary>The status, and the body and console output when it is not <paramref name="expected"/>.</summary>
    public async Task AssertStatusAsync(int expected, HttpResponseMessage response)
    {
        if ((int)response.StatusCode != expected)
        {
            Assert.Fail($"Expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n--- app output ---\n{Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _process.DisposeAsync();
    }

    /// <summary><c>dotnet run</c> applies the first profile of <c>Properties/launchSettings.json</c> (the environment name, mostly).</summary>
    private static Dictionary<string, string?> LaunchProfileEnvironment(string project)
    {
        var variables = new Dictionary<string, string?>();
        var file = Path.Combine(project, "Properties", "launchSettings.json");
        if (!File.Exists(file))
        {
            return variables;
        }

        using var settings = JsonDocument.Parse(File.ReadAllText(file));
        var profile = settings.RootElement.GetProperty("profiles").EnumerateObject().First().Value;
        if (profile.TryGetProperty("environmentVariables", out var declared))
        {
            foreach (var variable in declared.EnumerateObject())
            {
                variables[variable.Name] = variable.Value.GetString();
            }
        }

        return variables;
    }
}
