namespace GatewayErrors;

/// <summary>
/// The one place that builds an <see cref="UpstreamFailure"/> from a classification.
/// </summary>
/// <remarks>
/// App code may still create failures with the public constructor (to answer with a gateway error on purpose); every
/// failure GatewayErrors decides itself comes from here, so what a failure carries is set in one place.
/// </remarks>
internal static class FailureFactory
{
    /// <summary>Builds the failure of a call to <paramref name="upstream"/>.</summary>
    /// <param name="upstream">The logical upstream name, or <see langword="null"/> when the call cannot be tied to one.</param>
    /// <param name="classification">What the classifier decided.</param>
    /// <param name="exception">The exception that caused it, if any.</param>
    /// <param name="elapsed">How long the call ran, when measured.</param>
    /// <param name="nextHop">The authority (<c>host:port</c>) that was called, when known.</param>
    /// <param name="destination">Which of the upstream's destinations was called, when an adapter knows it.</param>
    public static UpstreamFailure Create(string? upstream, in Classification classification, Exception? exception = null,
        TimeSpan? elapsed = null, string? nextHop = null, string? destination = null)
        => new(upstream, classification.ErrorType)
        {
            Destination = destination,
            RetryAfter = classification.RetryAfter,
            ReceivedStatusCode = classification.ReceivedStatusCode,
            Elapsed = elapsed,
            NextHop = nextHop,
            Exception = exception,
        };

    /// <summary>The same failure, attributed to <paramref name="upstream"/> (found after classification, such as from endpoint metadata).</summary>
    public static UpstreamFailure WithUpstream(UpstreamFailure failure, string upstream)
        => new(upstream, failure.ErrorType)
        {
            RetryAfter = failure.RetryAfter,
            ReceivedStatusCode = failure.ReceivedStatusCode,
            Elapsed = failure.Elapsed,
            NextHop = failure.NextHop,
            Exception = failure.Exception,
        };
}
