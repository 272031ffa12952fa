namespace GatewayErrors.Tests.Classification;

public sealed class UpstreamCanceledExceptionTests
{
    [Fact]
    public void Constructor_NullFailure_Throws()
        => Assert.Throws<ArgumentNullException>("failure", () => new UpstreamCanceledException(null!));

    [Fact]
    public void IsATaskCanceledException_KeepingTheOriginalTokenMessageAndCause()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();
        var original = new OperationCanceledException("gave up", source.Token);
        var failure = new UpstreamFailure("catalog", GatewayErrorType.DnsTimeout);

        var exception = new UpstreamCanceledException(failure, original);

        // catch (TaskCanceledException) and catch (OperationCanceledException e) when (e.CancellationToken == token) keep working.
        Assert.IsAssignableFrom<TaskCanceledException>(exception);
        Assert.Equal(source.Token, exception.CancellationToken);
        Assert.Equal("gave up", exception.Message);
        Assert.Same(original, exception.InnerException);
        Assert.Same(failure, exception.Failure);
        Assert.Same(failure, ExceptionChain.FindFailure(new TaskCanceledException("outer", new TimeoutException("timer", exception))));
    }
}
