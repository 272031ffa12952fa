using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;

namespace GatewayErrors.Benchmarks.Support;

/// <summary>
/// What an endpoint calls in the failure-path benchmarks: a named client whose primary handler fails with the given
/// shape (behind <c>AddGatewayErrorsHandler()</c> or not), or a Polly circuit breaker that is already open.
/// </summary>
internal sealed class FailingUpstream
{
    public const string ClientName = "upstream";

    private readonly FailureShape _shape;
    private readonly HttpClient _client;
    private readonly ResiliencePipeline _circuit;

    private FailingUpstream(FailureShape shape, HttpClient client, ResiliencePipeline circuit)
    {
        _shape = shape;
        _client = client;
        _circuit = circuit;
    }

    /// <summary>Registers the client on <paramref name="services"/>; call <see cref="Create"/> once they are built.</summary>
    public static void Register(IServiceCollection services, FailureShape shape, bool withGatewayErrorsHandler)
    {
        var client = services.AddHttpClient(ClientName, static c => c.BaseAddress = new Uri("http://upstream.test/"));
        if (withGatewayErrorsHandler)
        {
            client.AddGatewayErrorsHandler();
        }

        client.ConfigurePrimaryHttpMessageHandler(() => new FailingHandler(shape)).RemoveAllLoggers();
    }

    public static async Task<FailingUpstream> CreateAsync(IServiceProvider services, FailureShape shape)
    {
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
        var circuit = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromHours(12),
            })
            .Build();

        // Open the circuit the way it opens in production: by failing calls.
        for (var i = 0; i < 2; i++)
        {
            try
            {
                await circuit.ExecuteAsync(static _ => throw new HttpRequestException("warm-up failure")).ConfigureAwait(false);
            }
            catch (HttpRequestException)
            {
            }
        }

        return new FailingUpstream(shape, client, circuit);
    }

    /// <summary>Calls the upstream the way app code does; every call fails.</summary>
    public Task CallAsync(CancellationToken cancellationToken)
        => _shape == FailureShape.BrokenCircuit
            ? _circuit.ExecuteAsync(static _ => ValueTask.CompletedTask, cancellationToken).AsTask()
            : _client.GetAsync("/orders", cancellationToken);
}
