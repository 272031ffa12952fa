using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>Checks the stale-if-error settings at start-up; each message names the configuration key and the value.</summary>
internal sealed class StaleIfErrorOptionsValidator : IValidateOptions<GatewayErrorsOptions>
{
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxCacheTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(30);
    private const long MaxEntryLimit = 64 * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, GatewayErrorsOptions options)
    {
        var failures = new List<string>();
        var stale = options.StaleIfError;
        const string Key = GatewayErrorsOptions.SectionName + ":StaleIfError";

        if (stale.RefreshInterval < TimeSpan.Zero || stale.RefreshInterval > MaxInterval)
        {
            failures.Add($"{Key}:RefreshInterval = {stale.RefreshInterval} must be between 00:00:00 (refresh on every success) and {MaxInterval}.");
        }

        if (stale.HoldDown < TimeSpan.Zero || stale.HoldDown > MaxInterval)
        {
            failures.Add($"{Key}:HoldDown = {stale.HoldDown} must be between 00:00:00 (no hold-down) and {MaxInterval}.");
        }

        if (stale.ProbeInterval <= TimeSpan.Zero || (stale.HoldDown > TimeSpan.Zero && stale.ProbeInterval > stale.HoldDown))
        {
            failures.Add($"{Key}:ProbeInterval = {stale.ProbeInterval} must be more than zero and at most HoldDown ({stale.HoldDown}).");
        }

        if (stale.MaxEntryBytes is < 1 or > MaxEntryLimit)
        {
            failures.Add($"{Key}:MaxEntryBytes = {stale.MaxEntryBytes} must be between 1 and {MaxEntryLimit} bytes.");
        }

        if (stale.MaxMemoryBytes < stale.MaxEntryBytes)
        {
            failures.Add($"{Key}:MaxMemoryBytes = {stale.MaxMemoryBytes} must be at least MaxEntryBytes ({stale.MaxEntryBytes}).");
        }

        if (stale.CacheTimeout <= TimeSpan.Zero || stale.CacheTimeout > MaxCacheTimeout)
        {
            failures.Add($"{Key}:CacheTimeout = {stale.CacheTimeout} must be more than zero and at most {MaxCacheTimeout}.");
        }

        foreach (var (route, cookies) in stale.IgnoredCookies)
        {
            if (string.IsNullOrWhiteSpace(route))
            {
                failures.Add($"{Key}:IgnoredCookies has an entry without a route name; use the endpoint name or the route pattern.");
            }

            foreach (var cookie in cookies ?? [])
            {
                if (string.IsNullOrWhiteSpace(cookie) || cookie.Any(static c => c is <= ' ' or >= '\u007f' or '=' or ';' or ','))
                {
                    failures.Add($"{Key}:IgnoredCookies:{route} = '{cookie}' is not a cookie name.");
                }
            }
        }

        foreach (var (upstream, settings) in options.Upstreams)
        {
            if (settings?.StaleIfError is { } window && (window < TimeSpan.Zero || window > MaxWindow))
            {
                failures.Add($"{GatewayErrorsOptions.SectionName}:Upstreams:{upstream}:StaleIfError = {window} must be between 00:00:00 (no stale copies) and {MaxWindow}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
