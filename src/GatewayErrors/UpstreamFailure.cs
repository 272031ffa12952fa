namespace GatewayErrors;

/// <summary>
/// Describes one failed upstream call: which upstream, what went wrong, and how long it took.
/// </summary>
/// <remarks>
/// <see cref="NextHop"/> and <see cref="Exception"/> may hold host names, addresses, ports and messages that must
/// not reach a visitor in production. GatewayErrors only writes them to responses when
/// <see cref="GatewayErrorsOptions.ExposeDetails"/> allows it; they are always available to logs and app code.
/// </remarks>
public sealed class UpstreamFailure
{
    /// <summary>Creates a failure description.</summary>
    /// <param name="upstream">The logical upstream name (for example the named <see cref="HttpClient"/>), or <see langword="null"/> when unknown.</param>
    /// <param name="errorType">What went wrong.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="errorType"/> is not a defined <see cref="GatewayErrorType"/>.</exception>
    public UpstreamFailure(string? upstream, GatewayErrorType errorType)
    {
        if (!ErrorTaxonomy.IsDefined(errorType))
        {
            // Caught where the failure is made, in app code, rather than later on the error path, which must not throw.
            ErrorTaxonomy.ThrowUndefined(errorType, nameof(errorType));
        }

        Upstream = upstream;
        ErrorType = errorType;
    }

    /// <summary>Gets the logical upstream name, or <see langword="null"/> when the failure was classified without the handler.</summary>
    public string? Upstream { get; }

    /// <summary>Gets what went wrong.</summary>
    public GatewayErrorType ErrorType { get; }

    /// <summary>Gets how long the upstream call ran before it failed, when measured.</summary>
    public TimeSpan? Elapsed { get; init; }

    /// <summary>Gets how long clients should wait before retrying, when known (for example the remaining break of an open circuit).</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Gets the status code the upstream answered with, when it answered at all.</summary>
    public int? ReceivedStatusCode { get; init; }

    /// <summary>Gets the upstream authority (<c>host:port</c>) that was called, when known. Sensitive: see the remarks on this type.</summary>
    public string? NextHop { get; init; }

    /// <summary>Gets the exception that caused the failure, when there was one. Sensitive: see the remarks on this type.</summary>
    public Exception? Exception { get; init; }

    /// <summary>
    /// Which of the upstream's destinations was called (a YARP cluster's destination id), when an adapter knows it.
    /// Shown with the details, so only where <see cref="GatewayErrorsOptions.ExposeDetails"/> allows.
    /// </summary>
    internal string? Destination { get; init; }
}
