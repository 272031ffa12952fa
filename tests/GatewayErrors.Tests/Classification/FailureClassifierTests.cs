using Polly.RateLimiting;

namespace GatewayErrors.Tests.Classification;

/// <summary>
/// The classifier on exception shapes that no upstream on this machine can produce: types from packages the
/// registry here does not serve. Everything a real upstream can cause is tested end to end in FailureKindTests.
/// </summary>
public sealed class FailureClassifierTests
{
    [Fact]
    public void PollyRateLimiterRejection_IsALocalLimit_WithTheLeasesRetryAfter()
    {
        // Polly.RateLimiting's own exception; the real limiter in the standard handlers is tested end to end in
        // Resilience/ResilienceHandlerTests.
        Assert.True(FailureClassifier.TryClassify(new RateLimiterRejectedException(TimeSpan.FromSeconds(7)), ExchangePhase.Unknown, out var classification));
        Assert.Equal(GatewayErrorType.ConnectionLimitReached, classification.ErrorType);
        Assert.Equal(TimeSpan.FromSeconds(7), classification.RetryAfter);
    }

    [Fact]
    public void BareSocketErrorOutsideTheHandler_IsNotClaimed()
    {
        // Outside the handler a socket error may come from a database or cache client: not ours to answer.
        Assert.False(FailureClassifier.TryClassify(new System.Net.Sockets.SocketException(10061), ExchangePhase.Unknown, out _));
        Assert.False(FailureClassifier.TryClassify(new IOException("disk"), ExchangePhase.Unknown, out _));
    }
}
