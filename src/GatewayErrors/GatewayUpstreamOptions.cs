namespace GatewayErrors;

/// <summary>
/// Settings for one upstream, under <c>GatewayErrors:Upstreams:&lt;name&gt;</c> in configuration.
/// </summary>
public sealed class GatewayUpstreamOptions
{
    /// <summary>The default for <see cref="NameResolutionTimeout"/>.</summary>
    public static readonly TimeSpan DefaultNameResolutionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default for <see cref="MaxResponseContentBufferSize"/>: 32 MiB.</summary>
    public const long DefaultMaxResponseContentBufferSize = 32 * 1024 * 1024;

    /// <summary>Gets or sets the name shown to visitors for this upstream (for example "Catalog service").</summary>
    /// <value>Defaults to <see langword="null"/>: the upstream name.</value>
    public string? DisplayName { get; set; }

    /// <summary>
    /// Gets or sets whether a 5xx answer from the upstream is treated as a failure and turned into a gateway error
    /// response instead of being returned to the app.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="false"/>: 5xx responses pass through unchanged. When <see langword="true"/>, a 503 becomes
    /// <see cref="GatewayErrorType.DestinationUnavailable"/> (keeping the upstream's <c>Retry-After</c>) and any other 5xx
    /// becomes <see cref="GatewayErrorType.UpstreamServerError"/>; both carry <c>received-status</c> in <c>Proxy-Status</c>.
    /// </value>
    public bool TreatServerErrorsAsFailures { get; set; }

    /// <summary>
    /// Gets or sets how long resolving the upstream's host name may take before the call fails with
    /// <see cref="GatewayErrorType.DnsTimeout"/>.
    /// </summary>
    /// <value>Defaults to 10 seconds. Must be more than zero and at most 5 minutes.</value>
    /// <remarks>
    /// Applied when the client's primary handler is a <see cref="SocketsHttpHandler"/> without a
    /// <see cref="SocketsHttpHandler.ConnectCallback"/> of its own. The handler's
    /// <see cref="SocketsHttpHandler.ConnectTimeout"/> bounds the lookup as well: this value can make the bound shorter,
    /// never longer.
    /// </remarks>
    public TimeSpan NameResolutionTimeout { get; set; } = DefaultNameResolutionTimeout;

    /// <summary>
    /// Gets or sets how many calls to this upstream may be in flight at once. A call over the limit is not sent and
    /// fails at once with <see cref="GatewayErrorType.ConnectionLimitReached"/> (503).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no limit. Must be at least 1 when set.</value>
    public int? MaxConcurrentRequests { get; set; }

    /// <summary>
    /// Gets or sets the most bytes of a response body the client buffers in memory (the
    /// <see cref="HttpClient.MaxResponseContentBufferSize"/> of clients created with <c>AddGatewayErrorsHandler()</c>).
    /// A larger body fails the call with <see cref="GatewayErrorType.HttpResponseBodySize"/> (502) instead of growing the
    /// process by up to 2 GB, HttpClient's own default, for an upstream that sends a body without end.
    /// </summary>
    /// <value>
    /// Defaults to 32 MiB. Must be between 1 and <see cref="int.MaxValue"/>. Applied only to a client whose limit is still
    /// HttpClient's default: a limit the app set itself wins. Streamed reads
    /// (<see cref="HttpCompletionOption.ResponseHeadersRead"/>) are not buffered and not limited.
    /// </value>
    public long MaxResponseContentBufferSize { get; set; } = DefaultMaxResponseContentBufferSize;

    /// <summary>
    /// Gets the maintenance switch (configuration key <c>GatewayErrors:Upstreams:&lt;name&gt;:Maintenance</c>): while it is
    /// on, calls to the upstream are answered 503 without contacting it.
    /// </summary>
    public GatewayMaintenanceOptions Maintenance { get; } = new();

    /// <summary>
    /// Gets the incident notice shown on this upstream's error responses instead of the site's
    /// <see cref="GatewayErrorsOptions.Notice"/> (configuration section <c>GatewayErrors:Upstreams:&lt;name&gt;:Notice</c>).
    /// </summary>
    public GatewayErrorNoticeOptions Notice { get; } = new();

    /// <summary>
    /// Gets or sets how long past its capture a kept copy may be served when this upstream fails, on routes that call
    /// <c>WithStaleIfError()</c>: the upstream's window, in place of the route's own, so operations can change it (or turn
    /// stale copies off with <see cref="TimeSpan.Zero"/>) without a deploy. A response's <c>Cache-Control: stale-if-error</c>
    /// can still shorten it.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: each route's own window. Must be between 00:00:00 and 30 days.</value>
    public TimeSpan? StaleIfError { get; set; }
}
