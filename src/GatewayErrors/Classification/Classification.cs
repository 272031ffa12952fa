namespace GatewayErrors;

/// <summary>What <see cref="FailureClassifier"/> decided about a failed upstream call.</summary>
/// <param name="ErrorType">The error type; its <see cref="ErrorTaxonomy"/> row says what it means and how it is answered.</param>
/// <param name="RetryAfter">How long clients should wait before retrying, when the failure says (an open circuit, a 503's <c>Retry-After</c>).</param>
/// <param name="ReceivedStatusCode">The status the upstream answered with, when it answered (a 5xx treated as a failure).</param>
internal readonly record struct Classification(GatewayErrorType ErrorType, TimeSpan? RetryAfter = null, int? ReceivedStatusCode = null);
