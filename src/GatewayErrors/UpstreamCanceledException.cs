namespace GatewayErrors;

/// <summary>
/// The exception the GatewayErrors handler throws when an upstream call is cancelled: by a timeout (HttpClient's, a
/// resilience pipeline's, or the app's own deadline) or by the caller.
/// </summary>
/// <remarks>
/// <para>
/// Inside a handler, <see cref="HttpClient.Timeout"/> and the caller's own cancellation arrive as the same cancelled
/// token, so the handler cannot tell them apart; the middleware can, with <c>HttpContext.RequestAborted</c>, and answers
/// a client that left with nothing. <see cref="Failure"/> says which upstream was called and which phase the call was in
/// (<see cref="GatewayErrorType.DnsTimeout"/> while resolving, <see cref="GatewayErrorType.ConnectionTimeout"/> while
/// connecting, <see cref="GatewayErrorType.HttpResponseTimeout"/> while waiting for the response), which is what the
/// answer names when it was a timeout.
/// </para>
/// <para>
/// It derives from <see cref="TaskCanceledException"/> and keeps the original exception's
/// <see cref="OperationCanceledException.CancellationToken"/>, so existing <c>catch (TaskCanceledException)</c> and
/// <c>catch (OperationCanceledException)</c> code keeps working. The original exception is the
/// <see cref="Exception.InnerException"/>; HttpClient may wrap this exception in its own.
/// </para>
/// </remarks>
public sealed class UpstreamCanceledException : TaskCanceledException
{
    /// <summary>Creates the exception for a cancelled call.</summary>
    /// <param name="failure">The failure the cancellation would be, were it a timeout.</param>
    /// <param name="innerException">The cancellation that ended the call, if any.</param>
    public UpstreamCanceledException(UpstreamFailure failure, OperationCanceledException? innerException = null)
        : base(innerException?.Message ?? "The upstream call was canceled.", innerException, innerException?.CancellationToken ?? CancellationToken.None)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
    }

    /// <summary>Gets the failure this cancellation is, when it was a timeout: the upstream and the phase it interrupted.</summary>
    public UpstreamFailure Failure { get; }
}
