using GatewayErrors.Tests.Upstreams;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// A class fixture: one run of a sample whose upstream URL comes from configuration, pointed at a port that certainly
/// refuses (the READMEs assume port 9 is closed; a test makes it certain).
/// </summary>
public abstract class RefusedUpstreamSample(string name, string urlKey) : IAsyncLifetime
{
    internal RefusedPort Refused { get; private set; } = null!;

    internal SampleApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Refused = await RefusedPort.StartAsync();
        App = await SampleApp.StartAsync(name, new Dictionary<string, string?> { [urlKey] = Refused.BaseAddress.ToString() });
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        if (Refused is not null)
        {
            await Refused.DisposeAsync();
        }
    }
}
