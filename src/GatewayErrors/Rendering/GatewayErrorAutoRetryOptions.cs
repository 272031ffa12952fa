namespace GatewayErrors;

/// <summary>
/// How an error page retries by itself, bound from <c>GatewayErrors:AutoRetry</c>. A page retries only for GET and HEAD,
/// and only when the failure is transient: a 503 with a <c>Retry-After</c> of at most <see cref="MaxDelay"/>, or a 502 or
/// 504 of a type whose advice is to wait a moment and reload (a refused, timed-out, closed or cut-short connection).
/// </summary>
/// <remarks>
/// The page counts down, then asks the site with a <c>GET</c> of the same URL whether it answers without a 5xx, and
/// reloads only then (a <c>HEAD</c> would be answered 405 by a GET-only route, working or not). Every check counts
/// against <see cref="MaxAttempts"/>, the ones followed by a reload too: the count carries over the reload. While the site still fails it waits twice as long each time (up to <see cref="MaxDelay"/>), adds
/// up to 20% of random jitter to every wait (never less than <c>Retry-After</c>), and stops after
/// <see cref="MaxAttempts"/> checks. The visitor can pause it; it pauses by itself while the tab is hidden.
/// </remarks>
public sealed class GatewayErrorAutoRetryOptions
{
    /// <summary>Gets or sets whether error pages retry by themselves when the failure is transient.</summary>
    /// <value>Defaults to <see langword="true"/>. When <see langword="false"/>, pages state the wait and offer a "Try again" link.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the first wait when the failure carries no <c>Retry-After</c>.</summary>
    /// <value>Defaults to 30 seconds. At least 1 second and at most 10 minutes.</value>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the longest wait between two checks; a 503 whose <c>Retry-After</c> is longer does not retry by
    /// itself (the page states the wait instead).
    /// </summary>
    /// <value>Defaults to 5 minutes. At least <see cref="Delay"/> and at most 1 hour.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how many checks a page makes before it stops and leaves retrying to the visitor.</summary>
    /// <value>Defaults to 10. Between 1 and 100.</value>
    public int MaxAttempts { get; set; } = 10;
}
