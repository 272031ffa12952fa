using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GatewayErrors.Tests.StaleIfError;

/// <summary>
/// <see cref="KeepAdmission"/>, resolved from the services <c>AddGatewayErrors()</c> registers: min-uses, the refresh
/// throttle, and that a flood of distinct URLs neither grows it nor pushes out what real URLs earned.
/// </summary>
public sealed class KeepAdmissionTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void MinUsesTwo_SecondRequestIsCaptured_NotTheFirst()
    {
        var admission = Create(minUses: 2);

        Assert.False(admission.ShouldCapture("page", "k", _time.GetTimestamp()));
        Assert.True(admission.ShouldCapture("page", "k", _time.GetTimestamp()));
    }

    [Fact]
    public void Flood_OfUrlsAskedForOnce_CapturesAlmostNothing_AndAUrlAskedForTwiceIsStillKept()
    {
        var admission = Create(minUses: 2);
        Assert.False(admission.ShouldCapture("page", "hot", _time.GetTimestamp()));

        var admitted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            admitted += admission.ShouldCapture("page", "flood-" + i, _time.GetTimestamp()) ? 1 : 0;
        }

        // A count can only be too high (a shared counter), so a few are kept early; without min-uses all 20,000 would be.
        Assert.True(admitted < 1000, $"{admitted} URLs asked for once were admitted.");
        Assert.True(admission.ShouldCapture("page", "hot", _time.GetTimestamp()));
    }

    [Fact]
    public void CapturedKey_IsCapturedAgainOncePerRefreshInterval()
    {
        var admission = Create(minUses: 1);
        Assert.True(admission.ShouldCapture("page", "k", _time.GetTimestamp()));
        Assert.False(admission.ShouldCapture("page", "k", _time.GetTimestamp()));

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(admission.ShouldCapture("page", "k", _time.GetTimestamp()));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(admission.ShouldCapture("page", "k", _time.GetTimestamp()));
    }

    [Fact]
    public void CaptureAbandoned_NextSuccessCapturesAtOnce()
    {
        var admission = Create(minUses: 2);
        Assert.False(admission.ShouldCapture("page", "k", _time.GetTimestamp()));
        Assert.True(admission.ShouldCapture("page", "k", _time.GetTimestamp()));

        admission.CaptureAbandoned("k");

        Assert.True(admission.ShouldCapture("page", "k", _time.GetTimestamp()));
    }

    [Fact]
    public void RouteFullOfRecentCaptures_RefusesNewUrls_KeepsKnownOnes_OtherRoutesUnaffected()
    {
        var admission = Create(minUses: 1);
        for (var i = 0; i < KeepAdmission.MaxTrackedPerRoute; i++)
        {
            Assert.True(admission.ShouldCapture("search", "q" + i, _time.GetTimestamp()));
        }

        Assert.False(admission.ShouldCapture("search", "new", _time.GetTimestamp()));
        Assert.True(admission.ShouldCapture("products", "p1", _time.GetTimestamp()));

        // Once the captures are older than the refresh interval they throttle nothing and make room.
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(admission.ShouldCapture("search", "q1", _time.GetTimestamp()));
        Assert.True(admission.ShouldCapture("search", "new", _time.GetTimestamp()));
    }

    private KeepAdmission Create(int minUses)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSingleton<TimeProvider>(_time)
            .AddGatewayErrors(o => o.StaleIfError.MinUses = minUses)
            .BuildServiceProvider();
        return services.GetRequiredService<KeepAdmission>();
    }
}
