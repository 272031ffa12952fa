namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// A fact that needs Chromium: fails with the install command when it is missing on CI (<c>CI=true</c>), and is skipped
/// with the same message elsewhere so a developer without a browser still runs the rest of the suite.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public static readonly string ExecutablePath = Environment.GetEnvironmentVariable("GATEWAYERRORS_CHROMIUM") is { Length: > 0 } path
        ? path
        : "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        Timeout = 180_000;
        if (!File.Exists(ExecutablePath) && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = $"Chromium not found at {ExecutablePath}: install it with 'apt-get update && apt-get install -y chromium' "
                + "(or set GATEWAYERRORS_CHROMIUM). On CI (CI=true) this test fails instead of skipping.";
        }
    }
}
