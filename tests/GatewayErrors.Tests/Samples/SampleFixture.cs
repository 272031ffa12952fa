namespace GatewayErrors.Tests.Samples;

/// <summary>A class fixture: one run of a sample for all the tests of a class, stopped after the last.</summary>
public abstract class SampleFixture : IAsyncLifetime
{
    internal SampleApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await StartAsync();

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        await CleanUpAsync();
    }

    /// <summary>Starts the sample, after preparing whatever it needs.</summary>
    internal abstract Task<SampleApp> StartAsync();

    /// <summary>Releases what <see cref="StartAsync"/> prepared, once the sample has stopped.</summary>
    internal virtual ValueTask CleanUpAsync() => ValueTask.CompletedTask;
}
