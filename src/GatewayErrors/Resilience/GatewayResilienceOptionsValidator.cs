using System.Globalization;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Checks each upstream's <see cref="GatewayResilienceOptions"/> at start-up (and on reload); each message names the
/// configuration key and the value. The ranges are Polly's own, so a bad value fails here and not at the first call.
/// </summary>
internal sealed class GatewayResilienceOptionsValidator : IValidateOptions<GatewayErrorsOptions>
{
    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);
    private static readonly TimeSpan MinBreak = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBreak = TimeSpan.FromDays(1);

    public ValidateOptionsResult Validate(string? name, GatewayErrorsOptions options)
    {
        var failures = new List<string>();
        foreach (var (upstream, settings) in options.Upstreams)
        {
            if (settings is not null)
            {
                Validate($"{GatewayErrorsOptions.SectionName}:Upstreams:{upstream}:Resilience", settings.Resilience, failures);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static void Validate(string key, GatewayResilienceOptions resilience, List<string> failures)
    {
        InRange($"{key}:TotalTimeout", resilience.TotalTimeout, MinTimeout, MaxTimeout, failures);
        InRange($"{key}:AttemptTimeout", resilience.AttemptTimeout, MinTimeout, MaxTimeout, failures);
        if (resilience.AttemptTimeout >= resilience.TotalTimeout)
        {
            failures.Add($"{key}:AttemptTimeout = {resilience.AttemptTimeout} must be below TotalTimeout = {resilience.TotalTimeout}: the total covers every attempt.");
        }

        var retry = resilience.Retry;
        if (retry.MaxRetryAttempts is < 0 or > 100)
        {
            failures.Add($"{key}:Retry:MaxRetryAttempts = {retry.MaxRetryAttempts} must be between 0 (no retries) and 100.");
        }

        InRange($"{key}:Retry:Delay", retry.Delay, TimeSpan.Zero, MaxBreak, failures);

        var breaker = resilience.CircuitBreaker;
        if (!(breaker.FailureRatio > 0 && breaker.FailureRatio <= 1))
        {
            failures.Add($"{key}:CircuitBreaker:FailureRatio = {breaker.FailureRatio.ToString(CultureInfo.InvariantCulture)} must be more than 0 and at most 1 (0.1 is 10 %).");
        }

        if (breaker.MinimumThroughput < 2)
        {
            failures.Add($"{key}:CircuitBreaker:MinimumThroughput = {breaker.MinimumThroughput} must be at least 2.");
        }

        InRange($"{key}:CircuitBreaker:SamplingDuration", breaker.SamplingDuration, MinBreak, MaxBreak, failures);
        InRange($"{key}:CircuitBreaker:BreakDuration", breaker.BreakDuration, MinBreak, MaxBreak, failures);

        // As Microsoft.Extensions.Http.Resilience requires: a sampling window shorter than two attempts would judge the
        // upstream on attempts that have not had time to finish.
        if (breaker.SamplingDuration < resilience.AttemptTimeout * 2)
        {
            failures.Add($"{key}:CircuitBreaker:SamplingDuration = {breaker.SamplingDuration} must be at least twice AttemptTimeout = {resilience.AttemptTimeout}.");
        }
    }

    private static void InRange(string key, TimeSpan value, TimeSpan min, TimeSpan max, List<string> failures)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} = {value} must be between {min} and {max}.");
        }
    }
}
