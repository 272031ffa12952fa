namespace GatewayErrors;

/// <summary>
/// The exception the GatewayErrors handler throws when an upstream call fails.
/// </summary>
/// <remarks>
/// It derives from <see cref="HttpRequestException"/> and keeps the original <see cref="HttpRequestException.HttpRequestError"/>,
/// so existing <c>catch (HttpRequestException)</c> code keeps working. The original exception is the
/// <see cref="Exception.InnerException"/>. App code may also throw it to answer with a gateway error on purpose,
/// for example <see cref="GatewayErrorType.DestinationUnavailable"/> during maintenance.
/// </remarks>
public sealed class UpstreamFailureException : HttpRequestException
{
    /// <summary>Creates the exception for a failure.</summary>
    /// <param name="failure">The failure to report.</param>
    /// <param name="innerException">The exception that caused it, if any.</param>
    public UpstreamFailureException(UpstreamFailure failure, Exception? innerException = null)
        : base(
            (innerException as HttpRequestException)?.HttpRequestError ?? HttpRequestError.Unknown,
            CreateMessage(failure),
            innerException,
            (innerException as HttpRequestException)?.StatusCode)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
    }

    /// <summary>Gets the failure this exception reports.</summary>
    public UpstreamFailure Failure { get; }

    private static string CreateMessage(UpstreamFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var token = ErrorTaxonomy.Get(failure.ErrorType).Name;
        return failure.Upstream is null
            ? $"The upstream call failed: {token}."
            : $"The call to upstream '{failure.Upstream}' failed: {token}.";
    }
}
