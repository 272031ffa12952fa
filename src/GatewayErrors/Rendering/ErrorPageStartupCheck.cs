using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Compiles the error page templates before the app starts listening, and stops the start when one does not compile,
/// naming the file and the position.
/// </summary>
/// <remarks>
/// A lifecycle service's <see cref="StartingAsync"/> runs before any hosted service's <c>StartAsync</c>, so Kestrel never
/// accepts a request with templates that were never checked. The failure is an <see cref="OptionsValidationException"/>,
/// like every other configuration mistake caught at start-up.
/// </remarks>
internal sealed class ErrorPageStartupCheck(ErrorPageRenderer renderer) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var errors = renderer.Initialize();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(GatewayErrorsOptions), errors);
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
