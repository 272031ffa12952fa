using GatewayErrors.Tests.Upstreams;

namespace GatewayErrors.Tests.Samples;

/// <summary>
/// A sample whose upstream URL comes from configuration, pointed at a port that certainly refuses (the READMEs assume
/// port 9 is closed; a test makes it certain), with <paramref name="environment"/> set as the README suggests.
/// </summary>
public abstract class RefusedUpstreamSample(string name, string urlKey, params (string Key, string Value)[] environment) : SampleFixture
{
    internal RefusedPort Refused { get; private set; } = null!;

    internal override async Task<SampleApp> StartAsync()
    {
        Refused = await RefusedPort.StartAsync();
        var variables = environment.ToDictionary(static v => v.Key, static v => (string?)v.Value);
        variables[urlKey] = Refused.BaseAddress.ToString();
        return await SampleApp.StartAsync(name, variables);
    }

    internal override async ValueTask CleanUpAsync()
    {
        if (Refused is not null)
        {
            await Refused.DisposeAsync();
        }
    }
}
