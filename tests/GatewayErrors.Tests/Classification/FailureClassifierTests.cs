using Polly;

namespace GatewayErrors.Tests.Classification;

/// <summary>
/// The classifier on exception shapes that no upstream on this machine can produce: types from packages the
/// registry here does not serve. Everything a real upstream can cause is tested end to end in FailureKindTests.
/// </summary>
public sealed class FailureClassifierTests
{
    [Fact]
    public void PollyRateLimiterRejection_IsALocalLimit()
    {
        // Polly.RateLimiting's RateLimiterRejectedException (used by Microsoft.Extensions.Http.Resilience's standard
        // handler) is not available here; like it, this derives from Polly.Core's ExecutionRejectedException.
        Assert.True(FailureClassifier.TryClassify(new RateLimiterRejectedStandIn(), ExchangePhase.Unknown, out var classification));
        Assert.Equal(GatewayErrorType.ConnectionLimitReached, classification.ErrorType);
    }

    [Fact]
    public void BareSocketErrorOutsideTheHandler_IsNotClaimed()
    {
        // Outside the handler a socket error may come from a database or cache client: not ours to answer.
        Assert.False(FailureClassifier.TryClassify(new System.Net.Sockets.SocketException(10061), ExchangePhase.Unknown, out _));
        Assert.False(FailureClassifier.TryClassify(new IOException("disk"), ExchangePhase.Unknown, out _));
    }

    private sealed class RateLimiterRejectedStandIn : ExecutionRejectedException
    {
        public RateLimiterRejectedStandIn()
            : base("The operation could not be executed because it was rejected by the rate limiter.")
        {
        }
    }
}
