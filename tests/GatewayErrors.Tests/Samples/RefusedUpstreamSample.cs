using GatewayErrors.Tests.Upstreams;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// A class fixture: one run of a sample whose upstream URL comes from configuration, pointed at a port that certainly
/// refuses (the READMEs assume port 9 is closed; a test makes it certain), with <paramref name="environment"/> set as
/// the README suggests.
/// </summary>
public abstract class RefusedUpstreamSample(string name, string urlKey, params (string Key, string Value)[] environment) : IAsyncLifetime
{
    internal RefusedPort Refused { get; private set; } = null!;

    internal SampleApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Refused = await RefusedPort.StartAsync();
        var variables = environment.ToDictionary(static v => v.Key, static v => (string?)v.Value);
        variables[urlKey] = Refused.BaseAddress.ToString();
        App = await SampleApp.StartAsync(name, variables);
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
