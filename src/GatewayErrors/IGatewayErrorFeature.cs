namespace GatewayErrors;

/// <summary>
/// Set on <see cref="Microsoft.AspNetCore.Http.HttpContext.Features"/> when GatewayErrors answers a request with a gateway error,
/// so app code and later middleware (for example status code pages or custom logging) can read what failed.
/// </summary>
public interface IGatewayErrorFeature
{
    /// <summary>Gets the failure that was reported.</summary>
    UpstreamFailure Failure { get; }

    /// <summary>Gets the status code chosen for the response.</summary>
    int StatusCode { get; }
}
