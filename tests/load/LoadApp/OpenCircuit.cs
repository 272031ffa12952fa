using Polly;
using Polly.CircuitBreaker;

namespace LoadApp;

/// <summary>
/// A Polly.Core circuit breaker that is already open when the first request arrives, so every call fails fast with
/// <see cref="BrokenCircuitException"/> without touching the upstream: the "outage, circuit open" scenario.
/// </summary>
/// <remarks>
/// Stand-in until GatewayErrors has its own resilience pipeline; then this scenario should use that instead.
/// </remarks>
internal static class OpenCircuit
{
    public static ResiliencePipeline Create()
    {
        var pipeline = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromHours(12),
            })
            .Build();

        // Open it the way it opens in production: by failing calls.
        for (var i = 0; i < 2; i++)
        {
            try
            {
                pipeline.Execute(static () => throw new HttpRequestException("opening the circuit for the load run"));
            }
            catch (HttpRequestException)
            {
            }
        }

        return pipeline;
    }
}
