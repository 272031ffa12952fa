using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Checks the parts of the <c>GatewayErrors</c> configuration section that the binder drops without a word.
/// </summary>
/// <remarks>
/// The configuration binder skips a dictionary entry it cannot convert: <c>StatusCodes:ConnectionRefused = "five
/// hundred"</c>, a misspelt error type such as <c>StatusCodes:ConectionRefused</c>, or one unconvertible value under
/// <c>Upstreams:&lt;name&gt;</c> (which loses that upstream's whole entry, display name and limits included). The options
/// then look valid, so only the configuration itself can tell.
/// </remarks>
internal sealed class GatewayErrorsConfigurationValidator(IServiceProvider services) : IValidateOptions<GatewayErrorsOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayErrorsOptions options)
    {
        if (name != Options.DefaultName || services.GetService<IConfiguration>() is not { } configuration)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        var section = configuration.GetSection(GatewayErrorsOptions.SectionName);
        foreach (var entry in section.GetSection(nameof(GatewayErrorsOptions.StatusCodes)).GetChildren())
        {
            if (!Enum.TryParse<GatewayErrorType>(entry.Key, ignoreCase: true, out var type) || !Enum.IsDefined(type))
            {
                failures.Add($"{entry.Path} names no error type; use one of: {string.Join(", ", Enum.GetNames<GatewayErrorType>())}.");
            }
            else if (!int.TryParse(entry.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            {
                failures.Add($"{entry.Path} = '{entry.Value}' is not a status code; use 500 to 599.");
            }
        }

        foreach (var entry in section.GetSection(nameof(GatewayErrorsOptions.Upstreams)).GetChildren())
        {
            if (options.Upstreams.ContainsKey(entry.Key))
            {
                continue;
            }

            try
            {
                // An entry the binder left out without a conversion error (an empty section) is harmless.
                entry.Get<GatewayUpstreamOptions>();
            }
            catch (InvalidOperationException exception)
            {
                // The binder's message names the key, the value and the type it expected.
                failures.Add(exception.Message);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
