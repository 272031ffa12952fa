namespace GatewayErrors;

/// <summary>
/// The resilience pipeline for one upstream, under <c>GatewayErrors:Upstreams:&lt;name&gt;:Resilience</c> in configuration.
/// Used by clients that call <c>AddGatewayResilience()</c>.
/// </summary>
/// <remarks>
/// The pipeline runs, from the outside in: total timeout, retry, circuit breaker, attempt timeout. The defaults are
/// those of Microsoft.Extensions.Http.Resilience's standard handler.
/// </remarks>
public sealed class GatewayResilienceOptions
{
    /// <summary>The default for <see cref="TotalTimeout"/>.</summary>
    public static readonly TimeSpan DefaultTotalTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default for <see cref="AttemptTimeout"/>.</summary>
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long one logical call may take, all attempts and the waits between them included. When it
    /// elapses the call fails with <see cref="GatewayErrorType.HttpResponseTimeout"/> (504).
    /// </summary>
    /// <value>Defaults to 30 seconds. Must be between 10 milliseconds and 24 hours, and above <see cref="AttemptTimeout"/>. Reloads.</value>
    public TimeSpan TotalTimeout { get; set; } = DefaultTotalTimeout;

    /// <summary>
    /// Gets or sets how long one attempt may take. An attempt that times out counts as a transient failure: it may be
    /// retried and it counts against the circuit.
    /// </summary>
    /// <value>Defaults to 10 seconds. Must be between 10 milliseconds and 24 hours, and below <see cref="TotalTimeout"/>. Reloads.</value>
    public TimeSpan AttemptTimeout { get; set; } = DefaultAttemptTimeout;

    /// <summary>Gets the retry settings.</summary>
    public GatewayRetryOptions Retry { get; } = new();

    /// <summary>Gets the circuit breaker settings.</summary>
    public GatewayCircuitBreakerOptions CircuitBreaker { get; } = new();
}
