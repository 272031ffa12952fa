using Yarp.ReverseProxy.Forwarder;

namespace GatewayErrors.Yarp.Tests;

/// <summary>YARP's verdicts table: a row for every <see cref="ForwarderError"/>, so a new YARP value is a decision, not a surprise.</summary>
public sealed class ForwarderVerdictsTests
{
    public static TheoryData<ForwarderError> Errors() => new(Enum.GetValues<ForwarderError>());

    [Theory]
    [MemberData(nameof(Errors))]
    public void EveryForwarderError_HasAVerdictAndADefinedType(ForwarderError error)
    {
        foreach (var clientWentAway in new[] { true, false })
        {
            Assert.True(Enum.IsDefined(ForwarderVerdicts.BlameFor(error, clientWentAway)));
        }

        Assert.True(Enum.IsDefined(ForwarderVerdicts.WithoutException(error, timedOut: false, yarpStatus: 502)));
        Assert.True(Enum.IsDefined(ForwarderVerdicts.Phase(error)));
    }

    [Theory]
    [InlineData(ForwarderError.RequestCanceled)]
    [InlineData(ForwarderError.RequestBodyCanceled)]
    [InlineData(ForwarderError.ResponseBodyCanceled)]
    public void Cancellation_BlamesTheClientOnlyWhenItWentAway(ForwarderError error)
    {
        Assert.Equal(Blame.Client, ForwarderVerdicts.BlameFor(error, clientWentAway: true));
        Assert.Equal(Blame.Upstream, ForwarderVerdicts.BlameFor(error, clientWentAway: false));
        Assert.Equal(GatewayErrorType.HttpResponseTimeout, ForwarderVerdicts.WithoutException(error, timedOut: true, yarpStatus: 400));
    }

    [Theory]
    [InlineData(ForwarderError.RequestBodyClient)]
    [InlineData(ForwarderError.ResponseBodyClient)]
    [InlineData(ForwarderError.UpgradeRequestClient)]
    [InlineData(ForwarderError.UpgradeResponseClient)]
    public void ClientSideFailures_AreNeverUpstreamFailures(ForwarderError error)
    {
        Assert.Equal(Blame.Client, ForwarderVerdicts.BlameFor(error, clientWentAway: false));
        Assert.Equal(Blame.Client, ForwarderVerdicts.BlameFor(error, clientWentAway: true));
    }

    [Fact]
    public void ResponseBodyDestination_IsATimeoutWhenTheActivityTimerFired_ElseACutBody()
    {
        Assert.Equal(GatewayErrorType.HttpResponseTimeout, ForwarderVerdicts.WithoutException(ForwarderError.ResponseBodyDestination, timedOut: true, 502));
        Assert.Equal(GatewayErrorType.HttpResponseIncomplete, ForwarderVerdicts.WithoutException(ForwarderError.ResponseBodyDestination, timedOut: false, 502));
    }

    [Fact]
    public void NoAvailableDestinations_IsDestinationUnavailable()
        => Assert.Equal(GatewayErrorType.DestinationUnavailable, ForwarderVerdicts.WithoutException(ForwarderError.NoAvailableDestinations, timedOut: false, 503));
}
