namespace GatewayErrors;

/// <summary>
/// Everything a body writer may show about one gateway error, already filtered for what may be exposed.
/// </summary>
/// <remarks>
/// Values here are raw text; every writer encodes them for its own format. <see cref="NextHop"/> and
/// <see cref="Detail"/> are <see langword="null"/> unless details may be exposed.
/// </remarks>
internal sealed class ErrorResponse
{
    public required int StatusCode { get; init; }

    public required string ReasonPhrase { get; init; }

    public required ErrorTypeInfo Type { get; init; }

    public required string UpstreamDisplayName { get; init; }

    public required string TraceId { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public required string Method { get; init; }

    public required string Path { get; init; }

    public TimeSpan? RetryAfter { get; init; }

    public int? ReceivedStatusCode { get; init; }

    public string? NextHop { get; init; }

    public string? Detail { get; init; }

    /// <summary>
    /// Gets what the operators know, shown by every body: the configured notice for the upstream (else the site's),
    /// resolved once per options instance (<see cref="ResolvedOptions.NoticeFor"/>). Whatever builds the response may set another one, such as the
    /// maintenance switch's message; it is shown the same way (as plain text, never markup).
    /// </summary>
    public ErrorNotice? Notice { get; init; }

    /// <summary>
    /// Gets the texts in the visitor's language (see <see cref="PageCultures"/>); <see langword="null"/> means English, as
    /// GatewayErrors' neutral resources have it.
    /// </summary>
    public PageTexts? Texts { get; init; }

    /// <summary>
    /// Gets the page set the endpoint named (<c>WithGatewayErrorPage</c>, or YARP route or cluster metadata), whose
    /// templates are looked up before the site's; <see langword="null"/> for the site's templates.
    /// </summary>
    public string? PageSet { get; init; }

    /// <summary>Gets the request's Content-Security-Policy nonce, as the app's <see cref="GatewayErrorsOptions.CspNonce"/> read it.</summary>
    public string? CspNonce { get; init; }

    /// <summary>Gets the Retry-After value in whole seconds, rounded up so a client never retries early.</summary>
    public long? RetryAfterSeconds => RetryAfter is { } wait ? (long)Math.Ceiling(Math.Max(0, wait.TotalSeconds)) : null;
}
