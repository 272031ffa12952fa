using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>Checks the stale-if-error settings at start-up; each message names the configuration key and the value.</summary>
internal sealed class StaleIfErrorOptionsValidator : IValidateOptions<GatewayErrorsOptions>
{
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxCacheTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(30);
    private const long MaxEntryLimit = 64 * 1024 * 1024;
    private const int MaxMinUses = 100;
    private const int MaxSharedCopies = 1_000_000;
    private const int MaxSharedWrites = 100_000;

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

        if (stale.MinUses is < 1 or > MaxMinUses)
        {
            failures.Add($"{Key}:MinUses = {stale.MinUses} must be between 1 (keep on the first success) and {MaxMinUses}.");
        }

        if (stale.MaxSharedCopiesPerRoute is < 1 or > MaxSharedCopies)
        {
            failures.Add($"{Key}:MaxSharedCopiesPerRoute = {stale.MaxSharedCopiesPerRoute} must be between 1 and {MaxSharedCopies}.");
        }

        if (stale.MaxSharedWritesPerSecond is < 1 or > MaxSharedWrites)
        {
            failures.Add($"{Key}:MaxSharedWritesPerSecond = {stale.MaxSharedWritesPerSecond} must be between 1 and {MaxSharedWrites}.");
        }

        // The keys are secrets: the messages say what is wrong, never the value.
        if (stale.SigningKey is not null && GuardedDistributedCache.DecodeKey(stale.SigningKey) is null)
        {
            failures.Add($"{Key}:SigningKey must be base64 of at least {GuardedDistributedCache.MinKeyBytes} random bytes (for example the output of 'openssl rand -base64 32'); the value is not shown.");
        }

        if (stale.PreviousSigningKey is not null)
        {
            if (GuardedDistributedCache.DecodeKey(stale.PreviousSigningKey) is null)
            {
                failures.Add($"{Key}:PreviousSigningKey must be base64 of at least {GuardedDistributedCache.MinKeyBytes} bytes; the value is not shown.");
            }
            else if (stale.SigningKey is null)
            {
                failures.Add($"{Key}:PreviousSigningKey is set without SigningKey: set SigningKey to the new key, or remove PreviousSigningKey.");
            }
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
