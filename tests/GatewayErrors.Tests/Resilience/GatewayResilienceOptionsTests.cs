using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;

namespace GatewayErrors.Tests.Resilience;

public sealed class GatewayResilienceOptionsTests
{
    [Fact]
    public void Defaults_AreThoseOfTheStandardResilienceHandler()
    {
        var resilience = new GatewayUpstreamOptions().Resilience;
        var diagnostics = new GatewayErrorsOptions().Diagnostics;

        Assert.Equal(TimeSpan.FromSeconds(30), resilience.TotalTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), resilience.AttemptTimeout);
        Assert.Equal(3, resilience.Retry.MaxRetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), resilience.Retry.Delay);
        Assert.True(resilience.Retry.UseJitter);
        Assert.True(resilience.Retry.UseRetryAfterHeader);
        Assert.False(resilience.Retry.RetryNonIdempotentMethods);
        Assert.Equal(0.1, resilience.CircuitBreaker.FailureRatio);
        Assert.Equal(TimeSpan.FromSeconds(30), resilience.CircuitBreaker.SamplingDuration);
        Assert.Equal(100, resilience.CircuitBreaker.MinimumThroughput);
        Assert.Equal(TimeSpan.FromSeconds(5), resilience.CircuitBreaker.BreakDuration);
        Assert.Equal(TimeSpan.FromSeconds(10), diagnostics.LogSummaryWindow);
        Assert.Equal(TimeSpan.FromMinutes(1), diagnostics.RecentWindow);
        Assert.Equal(5, diagnostics.DegradedFailureThreshold);
        Assert.Null(diagnostics.EnableEndpoint);
    }

    [Fact]
    public void Defaults_PassValidation()
    {
        var options = new GatewayErrorsOptions();
        options.Upstreams["catalog"] = new GatewayUpstreamOptions();

        Assert.True(new GatewayResilienceOptionsValidator().Validate(null, options).Succeeded);
        Assert.True(new GatewayDiagnosticsOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("AttemptTimeout", "00:00:40", "GatewayErrors:Upstreams:catalog:Resilience:AttemptTimeout = 00:00:40 must be below TotalTimeout = 00:00:30: the total covers every attempt.")]
    [InlineData("TotalTimeout", "00:00:00", "GatewayErrors:Upstreams:catalog:Resilience:TotalTimeout = 00:00:00 must be between 00:00:00.0100000 and 1.00:00:00.")]
    [InlineData("Retry:MaxRetryAttempts", "-1", "GatewayErrors:Upstreams:catalog:Resilience:Retry:MaxRetryAttempts = -1 must be between 0 (no retries) and 100.")]
    [InlineData("Retry:Delay", "-00:00:01", "GatewayErrors:Upstreams:catalog:Resilience:Retry:Delay = -00:00:01 must be between 00:00:00 and 1.00:00:00.")]
    [InlineData("CircuitBreaker:FailureRatio", "1.5", "GatewayErrors:Upstreams:catalog:Resilience:CircuitBreaker:FailureRatio = 1.5 must be more than 0 and at most 1 (0.1 is 10 %).")]
    [InlineData("CircuitBreaker:MinimumThroughput", "1", "GatewayErrors:Upstreams:catalog:Resilience:CircuitBreaker:MinimumThroughput = 1 must be at least 2.")]
    [InlineData("CircuitBreaker:BreakDuration", "00:00:00.1", "GatewayErrors:Upstreams:catalog:Resilience:CircuitBreaker:BreakDuration = 00:00:00.1000000 must be between 00:00:00.5000000 and 1.00:00:00.")]
    [InlineData("CircuitBreaker:SamplingDuration", "00:00:15", "GatewayErrors:Upstreams:catalog:Resilience:CircuitBreaker:SamplingDuration = 00:00:15 must be at least twice AttemptTimeout = 00:00:10.")]
    public async Task InvalidResilienceSetting_StartFails_MessageNamesKeyAndValue(string key, string value, string message)
    {
        var exception = await GatewayTestApp.AssertStartFailsAsync(ResilienceFixture.Key + key, value, message);

        Assert.Contains(message, exception.Failures);
    }

    [Theory]
    [InlineData("LogSummaryWindow", "02:00:00", "GatewayErrors:Diagnostics:LogSummaryWindow = 02:00:00 must be between 00:00:00 (log every failure) and 01:00:00.")]
    [InlineData("RecentWindow", "00:00:00", "GatewayErrors:Diagnostics:RecentWindow = 00:00:00 must be between 00:00:01 and 1.00:00:00.")]
    [InlineData("DegradedFailureThreshold", "0", "GatewayErrors:Diagnostics:DegradedFailureThreshold = 0 must be at least 1.")]
    public async Task InvalidDiagnosticsSetting_StartFails_MessageNamesKeyAndValue(string key, string value, string message)
    {
        var exception = await GatewayTestApp.AssertStartFailsAsync("GatewayErrors:Diagnostics:" + key, value, message);

        Assert.Contains(message, exception.Failures);
    }

    [Fact]
    public async Task RetryCountChangedInConfiguration_AppliesWithoutRestart()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(503));
        await using var gateway = await ResilienceFixture.StartAsync(upstream.BaseAddress, new() { [ResilienceFixture.Key + "Retry:Delay"] = "00:00:00" });
        await gateway.Client.GetAsync("/get");

        ((Microsoft.Extensions.Configuration.IConfigurationRoot)gateway.App.Configuration).Providers
            .OfType<Microsoft.Extensions.Configuration.Memory.MemoryConfigurationProvider>().Last()
            .Set(ResilienceFixture.Key + "Retry:MaxRetryAttempts", "1");
        ((Microsoft.Extensions.Configuration.IConfigurationRoot)gateway.App.Configuration).Reload();
        await gateway.Client.GetAsync("/get");

        Assert.Equal(4 + 2, upstream.RequestCount);
    }
}
