namespace GatewayErrors;

/// <summary>
/// Settings for serving the last good response when an upstream fails, under <c>GatewayErrors:StaleIfError</c> in
/// configuration. Routes opt in with <c>WithStaleIfError()</c>; the window of an upstream's copies is set per upstream
/// with <see cref="GatewayUpstreamOptions.StaleIfError"/>.
/// </summary>
public sealed class GatewayStaleIfErrorOptions
{
    /// <summary>The default for <see cref="RefreshInterval"/>.</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromSeconds(10);

    /// <summary>The default for <see cref="HoldDown"/>.</summary>
    public static readonly TimeSpan DefaultHoldDown = TimeSpan.FromSeconds(10);

    /// <summary>The default for <see cref="ProbeInterval"/>.</summary>
    public static readonly TimeSpan DefaultProbeInterval = TimeSpan.FromSeconds(1);

    /// <summary>The default for <see cref="CacheTimeout"/>.</summary>
    public static readonly TimeSpan DefaultCacheTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>The default for <see cref="MaxEntryBytes"/>: 1 MiB.</summary>
    public const long DefaultMaxEntryBytes = 1024 * 1024;

    /// <summary>The default for <see cref="MaxMemoryBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxMemoryBytes = 64 * 1024 * 1024;

    /// <summary>The default for <see cref="MinUses"/>.</summary>
    public const int DefaultMinUses = 2;

    /// <summary>The default for <see cref="MaxSharedCopiesPerRoute"/>.</summary>
    public const int DefaultMaxSharedCopiesPerRoute = 1000;

    /// <summary>The default for <see cref="MaxSharedWritesPerSecond"/>.</summary>
    public const int DefaultMaxSharedWritesPerSecond = 50;

    /// <summary>
    /// Gets or sets how often a kept copy is replaced by a newer success: a hot route rewrites its copy at most once per
    /// interval, and the requests in between are not captured at all.
    /// </summary>
    /// <value>Defaults to 10 seconds. Must be between 00:00:00 (every success) and 1 hour.</value>
    public TimeSpan RefreshInterval { get; set; } = DefaultRefreshInterval;

    /// <summary>
    /// Gets or sets how long after a route's upstream failed its copies are served at once, without calling the
    /// upstream (except for one probe per <see cref="ProbeInterval"/>). Each failed probe starts it again; a success ends it.
    /// </summary>
    /// <value>Defaults to 10 seconds. Must be between 00:00:00 (no hold-down: every request calls the upstream) and 1 hour.</value>
    public TimeSpan HoldDown { get; set; } = DefaultHoldDown;

    /// <summary>Gets or sets how often, during a hold-down, one request is let through to find out whether the upstream is back.</summary>
    /// <value>Defaults to 1 second. Must be more than zero and at most <see cref="HoldDown"/>.</value>
    public TimeSpan ProbeInterval { get; set; } = DefaultProbeInterval;

    /// <summary>
    /// Gets or sets the largest body a copy may have. A larger response is not kept, and that is logged once per route.
    /// </summary>
    /// <value>Defaults to 1 MiB. Must be between 1 byte and 64 MiB.</value>
    public long MaxEntryBytes { get; set; } = DefaultMaxEntryBytes;

    /// <summary>
    /// Gets or sets how much memory the copies of this process may use together; when full, the oldest make room.
    /// Read when the app starts.
    /// </summary>
    /// <value>Defaults to 64 MiB. Must be at least <see cref="MaxEntryBytes"/>.</value>
    public long MaxMemoryBytes { get; set; } = DefaultMaxMemoryBytes;

    /// <summary>
    /// Gets or sets how long a failing request waits for the shared cache (the app's <c>IDistributedCache</c>, such as
    /// Redis) before it answers with the error page. Successes never wait for it: copies are written in the background.
    /// Read when the app starts.
    /// </summary>
    /// <value>Defaults to 250 milliseconds. Must be more than zero and at most 30 seconds.</value>
    public TimeSpan CacheTimeout { get; set; } = DefaultCacheTimeout;

    /// <summary>
    /// Gets or sets how many times a URL must be asked for before its response is kept, as nginx's
    /// <c>proxy_cache_min_uses</c>: a flood of URLs asked for once each keeps nothing. The count is approximate (a
    /// fixed-size sketch of 256 KiB whatever the traffic; it can only keep a URL early, never late) and
    /// fades over time, so a URL must be asked for again within a while to count.
    /// </summary>
    /// <value>Defaults to 2. Must be between 1 (keep on the first success) and 100.</value>
    public int MinUses { get; set; } = DefaultMinUses;

    /// <summary>
    /// Gets or sets how many copies one route (an endpoint with <c>WithStaleIfError</c>) may have in the shared cache
    /// (the app's <c>IDistributedCache</c>, such as Redis), counted by each instance for the copies it wrote and not yet
    /// expired. Past it, new URLs of the route are kept in this instance's memory only, so a flood of distinct URLs
    /// cannot fill the shared cache or make it evict the app's own data; the URLs already shared are still refreshed.
    /// Read when the app starts.
    /// </summary>
    /// <value>Defaults to 1000. Must be between 1 and 1,000,000. The shared cache holds at most this many copies per route
    /// and instance, each at most <see cref="MaxEntryBytes"/> plus its headers.</value>
    public int MaxSharedCopiesPerRoute { get; set; } = DefaultMaxSharedCopiesPerRoute;

    /// <summary>
    /// Gets or sets how many copies one route may write to the shared cache per second, per instance (a burst of one
    /// second's worth is allowed). Past it, copies are kept in this instance's memory only until the rate allows again.
    /// Read when the app starts.
    /// </summary>
    /// <value>Defaults to 50. Must be between 1 and 100,000.</value>
    public int MaxSharedWritesPerSecond { get; set; } = DefaultMaxSharedWritesPerSecond;

    /// <summary>
    /// Gets or sets the key (base64, at least 32 bytes) that authenticates copies in the shared cache: each value is
    /// written with an HMAC-SHA256 over its cache key and its bytes, and a value whose HMAC does not verify (written by
    /// someone without the key, or moved from another key) is ignored and logged (event 410). Never logged or shown.
    /// Read when the app starts.
    /// </summary>
    /// <value>
    /// None by default: the shared cache must then be trusted, because anyone who can write to it can make every instance
    /// serve any body for any URL during an outage. All instances sharing the cache need the same key.
    /// </value>
    /// <remarks>Generate one with <c>openssl rand -base64 32</c>, and keep it with the app's other secrets.</remarks>
    public string? SigningKey { get; set; }

    /// <summary>
    /// Gets or sets the key that signed copies before <see cref="SigningKey"/> (base64, at least 32 bytes): copies it
    /// signed are still accepted, so a key can be rotated without losing the shared copies. New copies are always
    /// signed with <see cref="SigningKey"/>. Read when the app starts.
    /// </summary>
    /// <value>None by default. Needs <see cref="SigningKey"/>.</value>
    public string? PreviousSigningKey { get; set; }

    /// <summary>
    /// Gets the cookies whose presence does not stop a route's responses from being kept, keyed by the route's endpoint
    /// name (<c>WithName</c>) or route pattern (configuration key <c>GatewayErrors:StaleIfError:IgnoredCookies:&lt;route&gt;</c>).
    /// </summary>
    /// <value>Empty by default: a request with any cookie, or a response that sets one, is never kept.</value>
    /// <remarks>
    /// Name only cookies the response does not depend on, such as analytics or consent cookies: a copy made for one
    /// visitor is served to every visitor. A <c>Set-Cookie</c> for an ignored cookie is removed from the copy.
    /// </remarks>
    public IDictionary<string, string[]> IgnoredCookies { get; } = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
}
