namespace GatewayErrors;

/// <summary>
/// Circuit breaker settings for one upstream, under <c>GatewayErrors:Upstreams:&lt;name&gt;:Resilience:CircuitBreaker</c>.
/// </summary>
/// <remarks>
/// Each upstream has one circuit, shared by every client and handler instance that calls it. While the circuit is
/// open, calls fail at once with <see cref="GatewayErrorType.DestinationUnavailable"/> (503) and a <c>Retry-After</c>
/// of the remaining break, without contacting the upstream. <see cref="BreakDuration"/> reloads when configuration
/// changes; <see cref="FailureRatio"/>, <see cref="SamplingDuration"/> and <see cref="MinimumThroughput"/> are read
/// when the circuit is created and need a restart, because changing them would discard its health statistics.
/// </remarks>
public sealed class GatewayCircuitBreakerOptions
{
    /// <summary>The default for <see cref="SamplingDuration"/>.</summary>
    public static readonly TimeSpan DefaultSamplingDuration = TimeSpan.FromSeconds(30);

    /// <summary>The default for <see cref="BreakDuration"/>.</summary>
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the share of transient failures among sampled attempts that opens the circuit.</summary>
    /// <value>Defaults to 0.1 (10 %). Must be more than 0 and at most 1. Needs a restart.</value>
    public double FailureRatio { get; set; } = 0.1;

    /// <summary>Gets or sets how far back attempts are sampled.</summary>
    /// <value>Defaults to 30 seconds. Must be between 500 milliseconds and 1 day, and at least twice the attempt timeout. Needs a restart.</value>
    public TimeSpan SamplingDuration { get; set; } = DefaultSamplingDuration;

    /// <summary>Gets or sets how many attempts must be sampled before the failure ratio can open the circuit.</summary>
    /// <value>Defaults to 100. Must be at least 2. Needs a restart.</value>
    public int MinimumThroughput { get; set; } = 100;

    /// <summary>Gets or sets how long the circuit stays open before one trial call is let through.</summary>
    /// <value>Defaults to 5 seconds. Must be between 500 milliseconds and 1 day. Reloads (applies from the next break).</value>
    public TimeSpan BreakDuration { get; set; } = DefaultBreakDuration;
}
