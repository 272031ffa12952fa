namespace GatewayErrors;

/// <summary>
/// Set on <see cref="Microsoft.AspNetCore.Http.HttpContext.Features"/> whenever GatewayErrors answers a request whose upstream
/// failed: with a gateway error, with a stale copy, or by aborting a response that had started. App code and middleware
/// around <c>UseGatewayErrors()</c> (for example custom logging) can read what failed and how it was answered.
/// </summary>
public interface IGatewayErrorFeature
{
    /// <summary>Gets the failure that was reported.</summary>
    UpstreamFailure Failure { get; }

    /// <summary>Gets the status code of the response: the error's, the stale copy's (200), or the one that had started.</summary>
    int StatusCode { get; }

    /// <summary>Gets how the request was answered.</summary>
    GatewayErrorOutcome Outcome { get; }
}
