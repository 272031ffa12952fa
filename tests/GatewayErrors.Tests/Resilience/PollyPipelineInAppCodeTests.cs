using System.Net;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace GatewayErrors.Tests.Resilience;

/// <summary>
/// A pipeline built directly from Polly.Core in app code, around a client without GatewayErrors' handler: Polly's own
/// exceptions escape the endpoint and the middleware still answers them correctly.
/// </summary>
public sealed class PollyPipelineInAppCodeTests
{
    [Fact]
    public async Task AppPipelineCircuitOpen_BrokenCircuitEscapes_Returns503WithRetryAfter()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(500));
        await using var gateway = await StartAsync(upstream.BaseAddress, time => new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                MinimumThroughput = 2,
                FailureRatio = 0.5,
                BreakDuration = TimeSpan.FromSeconds(8),
                ShouldHandle = args => new ValueTask<bool>(args.Outcome.Result is { StatusCode: >= HttpStatusCode.InternalServerError }),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build());
        await gateway.Client.GetAsync("/app");
        await gateway.Client.GetAsync("/app");

        var response = await gateway.Client.GetAsync("/app");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("8", response.Headers.GetValues("Retry-After").Single());
        Assert.Contains("error=destination_unavailable", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task AppPipelineTimeout_TimeoutRejectedEscapes_Returns504()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream.SlowAddress, time => new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddTimeout(TimeSpan.FromSeconds(3))
            .Build());

        var call = gateway.Client.GetAsync("/app");
        await upstream.WaitForRequestsAsync(1);
        gateway.Time.Advance(TimeSpan.FromSeconds(3));
        var response = await call;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("error=http_response_timeout", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppPipelineIsolated_Returns503()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(200));
        var control = new CircuitBreakerManualControl();
        await using var gateway = await StartAsync(upstream.BaseAddress, time => new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage> { ManualControl = control })
            .Build());
        await control.IsolateAsync();

        var response = await gateway.Client.GetAsync("/app");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, upstream.RequestCount);
    }

    private static Task<GatewayTestApp> StartAsync(Uri upstream, Func<TimeProvider, ResiliencePipeline<HttpResponseMessage>> build)
    {
        ResiliencePipeline<HttpResponseMessage>? pipeline = null;
        return ResilienceFixture.StartGatewayAsync(
            new Dictionary<string, string?>(),
            services => services.AddHttpClient("plain", c => c.BaseAddress = upstream),
            app => app.MapGet("/app", async (HttpContext context) =>
            {
                pipeline ??= build(context.RequestServices.GetRequiredService<TimeProvider>());
                var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("plain");
                using var response = await pipeline.ExecuteAsync(ct => new ValueTask<HttpResponseMessage>(client.GetAsync(string.Empty, ct)), context.RequestAborted);
                await context.Response.WriteAsync(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }));
    }
}
