using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Checks <c>GatewayErrors:Upstreams:&lt;name&gt;:Maintenance</c> at start-up and on reload, and refuses the
/// <c>Resilience</c> settings that GatewayErrors no longer reads; each message names the key.
/// </summary>
internal sealed class MaintenanceOptionsValidator(IServiceProvider services) : IValidateOptions<GatewayErrorsOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayErrorsOptions options)
    {
        var failures = new List<string>();
        foreach (var (upstream, settings) in options.Upstreams)
        {
            // Shown as the notice, so it has the notice's limit: a sentence or two for visitors, not a document.
            if (settings?.Maintenance.Message?.Trim() is { Length: > GatewayErrorNoticeOptions.MaxMessageLength } message)
            {
                failures.Add($"{GatewayErrorsOptions.SectionName}:Upstreams:{upstream}:Maintenance:Message is {message.Length} characters long; keep it to {GatewayErrorNoticeOptions.MaxMessageLength}.");
            }
        }

        if (name == Options.DefaultName && services.GetService<IConfiguration>() is { } configuration)
        {
            foreach (var upstream in configuration.GetSection(GatewayErrorsOptions.SectionName).GetSection(nameof(GatewayErrorsOptions.Upstreams)).GetChildren())
            {
                // The binder would drop these without a word, and the app would run with other timeouts, retries and
                // breaker settings than its configuration says: better not to start.
                var removed = upstream.GetSection("Resilience");
                var keys = removed.AsEnumerable().Where(static entry => entry.Value is not null).Select(static entry => entry.Key).Order(StringComparer.Ordinal).ToList();
                if (keys.Count > 0)
                {
                    failures.Add($"{string.Join(", ", keys)}: {removed.Path} is no longer read; GatewayErrors uses the app's Microsoft.Extensions.Http.Resilience handlers. "
                        + "Replace AddGatewayResilience() with AddStandardResilienceHandler() and move these settings to its options (docs/resilience.md, \"Migrating from AddGatewayResilience\").");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
