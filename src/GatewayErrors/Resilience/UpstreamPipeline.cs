using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace GatewayErrors;

/// <summary>
/// One upstream's resilience pipeline: total timeout → retry → circuit breaker → attempt timeout, the order of
/// Microsoft.Extensions.Http.Resilience's standard handler. Built once per upstream and shared by every handler
/// instance, because the circuit's health statistics must outlive the handlers the client factory recycles.
/// </summary>
/// <remarks>
/// Settings that Polly reads per call (timeouts, retry count and delays, break duration) are taken from the current
/// options through generators and predicates, so they reload; the sampling settings are fixed when the breaker is built.
/// </remarks>
internal sealed class UpstreamPipeline
{
    public static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("GatewayErrors.Request");

    private readonly string _upstream;
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly GatewayErrorsMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly CircuitBreakerManualControl _control = new();
    private long _openUntilUtcTicks;

    public UpstreamPipeline(string upstream, IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider, GatewayErrorsMetrics metrics, ILogger logger)
    {
        _upstream = upstream;
        _options = options;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;

        var breaker = Settings.CircuitBreaker;
        Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { Name = "GatewayErrors:" + upstream, TimeProvider = timeProvider }
            .AddTimeout(new TimeoutStrategyOptions
            {
                Name = "TotalTimeout",
                TimeoutGenerator = _ => new ValueTask<TimeSpan>(Settings.TotalTimeout),
            })
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "Retry",

                // The configured count is applied in ShouldRetry, so that it reloads; Polly treats MaxValue as "no own limit".
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, args.Context, args.AttemptNumber)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(RetryDelay(args.Outcome, args.AttemptNumber)),
                OnRetry = args =>
                {
                    OnRetry(args.Outcome, args.Context, args.AttemptNumber, args.RetryDelay);
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                Name = "CircuitBreaker",
                FailureRatio = breaker.FailureRatio,
                SamplingDuration = breaker.SamplingDuration,
                MinimumThroughput = breaker.MinimumThroughput,
                BreakDurationGenerator = _ => new ValueTask<TimeSpan>(Settings.CircuitBreaker.BreakDuration),
                ShouldHandle = args => new ValueTask<bool>(IsTransient(args.Outcome)),
                StateProvider = _state,
                ManualControl = _control,
                OnOpened = args =>
                {
                    OnOpened(args.BreakDuration, args.IsManual);
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    Log.CircuitHalfOpened(_logger, _upstream);
                    _metrics.RecordCircuitState(_upstream, "half_open");
                    return default;
                },
                OnClosed = _ =>
                {
                    Volatile.Write(ref _openUntilUtcTicks, 0);
                    Log.CircuitClosed(_logger, _upstream);
                    _metrics.RecordCircuitState(_upstream, "closed");
                    return default;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                Name = "AttemptTimeout",
                TimeoutGenerator = _ => new ValueTask<TimeSpan>(Settings.AttemptTimeout),
            })
            .Build();
    }

    public string Upstream => _upstream;

    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    public CircuitState State => _state.CircuitState;

    private GatewayResilienceOptions Settings => UpstreamSettings.For(_options.CurrentValue, _upstream).Resilience;

    /// <summary>
    /// Whether a call now would be rejected without reaching the upstream, and for how long: an isolated circuit
    /// (no end known) or an open one whose break has not ended. Once the break is over the next call is the trial.
    /// </summary>
    public bool IsRejecting(DateTimeOffset now, out TimeSpan? retryAfter)
    {
        retryAfter = null;
        switch (State)
        {
            case CircuitState.Isolated:
                return true;
            case CircuitState.Open:
                var remaining = new DateTimeOffset(Volatile.Read(ref _openUntilUtcTicks), TimeSpan.Zero) - now;
                if (remaining > TimeSpan.Zero)
                {
                    retryAfter = remaining;
                    return true;
                }

                return false;
            default:
                return false;
        }
    }

    public ValueTask IsolateAsync(CancellationToken cancellationToken) => new(_control.IsolateAsync(cancellationToken));

    public ValueTask CloseAsync(CancellationToken cancellationToken) => new(_control.CloseAsync(cancellationToken));

    /// <summary>What counts as transient, as in Microsoft.Extensions.Http.Resilience: the request failed, timed out, or got 5xx, 408 or 429.</summary>
    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } response } => (int)response.StatusCode >= 500
            || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        _ => false,
    };

    /// <summary>RFC 9110 section 9.2.2: the methods whose effect is the same however often they are sent.</summary>
    internal static bool IsIdempotent(HttpMethod method)
        => method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options
            || method == HttpMethod.Trace || method == HttpMethod.Put || method == HttpMethod.Delete;

    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context, int attemptNumber)
    {
        var retry = Settings.Retry;
        if (attemptNumber >= retry.MaxRetryAttempts || !IsTransient(outcome))
        {
            return false;
        }

        return retry.RetryNonIdempotentMethods
            || (context.Properties.TryGetValue(RequestKey, out var request) && IsIdempotent(request.Method));
    }

    private TimeSpan? RetryDelay(Outcome<HttpResponseMessage> outcome, int attemptNumber)
    {
        var retry = Settings.Retry;
        if (retry.UseRetryAfterHeader && RetryAfterHeader.Read(outcome.Result, _timeProvider.GetUtcNow()) is { } retryAfter)
        {
            return retryAfter;
        }

        if (retry.Delay <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // Exponential back-off (Delay, 2 x Delay, 4 x Delay, ...); jitter spreads each wait over ±25 % so that
        // callers that failed together do not retry together.
        var seconds = retry.Delay.TotalSeconds * Math.Pow(2, Math.Min(attemptNumber, 30));
        if (retry.UseJitter)
        {
            seconds *= 0.75 + (Random.Shared.NextDouble() * 0.5);
        }

        return TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.FromDays(1).TotalSeconds));
    }

    private void OnRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context, int attemptNumber, TimeSpan delay)
    {
        var cause = outcome.Exception is { } exception
            ? (FailureClassifier.TryClassify(exception, ExchangePhase.ResponseHeaders, out var classification) ? ErrorTaxonomy.Get(classification.ErrorType).Name : exception.GetType().FullName ?? exception.GetType().Name)
            : ((int?)outcome.Result?.StatusCode)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";
        _metrics.RecordRetry(_upstream, cause);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var method = context.Properties.TryGetValue(RequestKey, out var request) ? request.Method.Method : "?";
            Log.RetryingUpstreamCall(_logger, method, _upstream, attemptNumber + 1, (long)delay.TotalMilliseconds, cause);
        }

        // The failed attempt's response is not returned to anyone: free its connection now.
        outcome.Result?.Dispose();
    }

    private void OnOpened(TimeSpan breakDuration, bool isManual)
    {
        if (isManual)
        {
            Volatile.Write(ref _openUntilUtcTicks, DateTimeOffset.MaxValue.UtcTicks);
            Log.CircuitIsolated(_logger, _upstream);
            _metrics.RecordCircuitState(_upstream, "isolated");
            return;
        }

        var until = _timeProvider.GetUtcNow() + breakDuration;
        Volatile.Write(ref _openUntilUtcTicks, until.UtcTicks);
        Log.CircuitOpened(_logger, _upstream, breakDuration.TotalSeconds);
        _metrics.RecordCircuitState(_upstream, "open");
    }
}
