namespace GatewayErrors;

/// <summary>
/// Retry settings for one upstream, under <c>GatewayErrors:Upstreams:&lt;name&gt;:Resilience:Retry</c>. All of them reload
/// when configuration changes.
/// </summary>
/// <remarks>
/// An attempt is retried when it failed transiently: an <see cref="HttpRequestException"/>, an attempt timeout, or a
/// 5xx, 408 or 429 response.
/// </remarks>
public sealed class GatewayRetryOptions
{
    /// <summary>The default for <see cref="Delay"/>.</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how many times a failed attempt is retried.</summary>
    /// <value>Defaults to 3. Must be between 0 (no retries) and 100.</value>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>
    /// Gets or sets the base of the exponential back-off: the first retry waits about this long, each next one twice as long.
    /// </summary>
    /// <value>Defaults to 2 seconds. Must be between zero (retry at once) and 1 day.</value>
    public TimeSpan Delay { get; set; } = DefaultDelay;

    /// <summary>Gets or sets whether each wait is randomised, so that many clients do not retry in step.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool UseJitter { get; set; } = true;

    /// <summary>
    /// Gets or sets whether the upstream's <c>Retry-After</c> header (on a 429 or 503, for example) sets the wait
    /// instead of the back-off. The total timeout still bounds it.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool UseRetryAfterHeader { get; set; } = true;

    /// <summary>
    /// Gets or sets whether requests with a method that is not idempotent (POST, PATCH, CONNECT and unknown methods) are
    /// retried too. Retrying them may repeat their effect upstream (RFC 9110, section 9.2.2).
    /// </summary>
    /// <value>Defaults to <see langword="false"/>: only GET, HEAD, OPTIONS, TRACE, PUT and DELETE are retried.</value>
    public bool RetryNonIdempotentMethods { get; set; }
}
