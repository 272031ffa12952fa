using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>Checks <see cref="GatewayDiagnosticsOptions"/> at start-up; each message names the configuration key and the value.</summary>
internal sealed class GatewayDiagnosticsOptionsValidator : IValidateOptions<GatewayErrorsOptions>
{
    private static readonly TimeSpan MaxLogSummaryWindow = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, GatewayErrorsOptions options)
    {
        var failures = new List<string>();
        var diagnostics = options.Diagnostics;
        const string Key = GatewayErrorsOptions.SectionName + ":Diagnostics";

        if (diagnostics.LogSummaryWindow < TimeSpan.Zero || diagnostics.LogSummaryWindow > MaxLogSummaryWindow)
        {
            failures.Add($"{Key}:LogSummaryWindow = {diagnostics.LogSummaryWindow} must be between 00:00:00 (log every failure) and {MaxLogSummaryWindow}.");
        }

        if (diagnostics.RecentWindow < TimeSpan.FromSeconds(1) || diagnostics.RecentWindow > TimeSpan.FromDays(1))
        {
            failures.Add($"{Key}:RecentWindow = {diagnostics.RecentWindow} must be between 00:00:01 and 1.00:00:00.");
        }

        if (diagnostics.DegradedFailureThreshold < 1)
        {
            failures.Add($"{Key}:DegradedFailureThreshold = {diagnostics.DegradedFailureThreshold} must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
