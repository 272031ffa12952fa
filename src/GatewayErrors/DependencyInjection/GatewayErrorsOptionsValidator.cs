using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Checks <see cref="GatewayErrorsOptions"/> at start-up; each message names the configuration key and the value.
/// </summary>
internal sealed class GatewayErrorsOptionsValidator : IValidateOptions<GatewayErrorsOptions>
{
    private static readonly TimeSpan MaxNameResolutionTimeout = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, GatewayErrorsOptions options)
    {
        var failures = new List<string>();
        const string Section = GatewayErrorsOptions.SectionName;

        if (options.ProxyName is { } proxyName && (string.IsNullOrWhiteSpace(proxyName) || !IsPrintableAscii(proxyName)))
        {
            failures.Add($"{Section}:ProxyName = '{proxyName}' must be non-empty printable ASCII: it is written into the Proxy-Status header.");
        }

        foreach (var (type, status) in options.StatusCodes)
        {
            if (!Enum.IsDefined(type))
            {
                failures.Add($"{Section}:StatusCodes:{type} is not a GatewayErrorType.");
            }
            else if (status is < 500 or > 599)
            {
                failures.Add($"{Section}:StatusCodes:{type} = {status} is not a server error status; use 500 to 599.");
            }
        }

        foreach (var (upstream, settings) in options.Upstreams)
        {
            var key = $"{Section}:Upstreams:{upstream}";
            if (settings is null)
            {
                continue;
            }

            if (settings.NameResolutionTimeout <= TimeSpan.Zero || settings.NameResolutionTimeout > MaxNameResolutionTimeout)
            {
                failures.Add($"{key}:NameResolutionTimeout = {settings.NameResolutionTimeout} must be more than zero and at most {MaxNameResolutionTimeout}.");
            }

            if (settings.MaxConcurrentRequests is < 1)
            {
                failures.Add($"{key}:MaxConcurrentRequests = {settings.MaxConcurrentRequests} must be at least 1 (leave it unset for no limit).");
            }

            if (settings.MaxResponseContentBufferSize is < 1 or > int.MaxValue)
            {
                failures.Add($"{key}:MaxResponseContentBufferSize = {settings.MaxResponseContentBufferSize} must be between 1 and {int.MaxValue} bytes.");
            }

            if (settings.DisplayName is { } displayName && string.IsNullOrWhiteSpace(displayName))
            {
                failures.Add($"{key}:DisplayName must not be blank (leave it unset to show the upstream name).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsPrintableAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
