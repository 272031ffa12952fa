using System.Threading.RateLimiting;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace GatewayErrors.Tests.Resilience;

/// <summary>The Microsoft.Extensions.Http.Resilience handler a test client uses (public so xunit theories can take it).</summary>
public enum ResilienceKind
{
    /// <summary><c>AddStandardResilienceHandler()</c>.</summary>
    Standard,

    /// <summary><c>AddStandardHedgingHandler()</c>: its circuit breakers are per authority.</summary>
    Hedging,

    /// <summary><c>AddResilienceHandler("custom", ...)</c> with a rate limiter and a circuit breaker.</summary>
    Custom,
}

/// <summary>
/// A gateway on a manual clock whose "catalog" client uses <c>AddGatewayErrorsHandler()</c> and one of the real
/// resilience handlers, in front of one upstream address. No GatewayErrors call beyond that: what the tests see is what
/// an app with that wiring gets.
/// </summary>
internal static class ResilienceFixture
{
    /// <summary>The break every test circuit takes.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    public static int EndpointRuns;

    /// <summary>Settings that make an upstream's 500 a failure (so that the page says 502, then 503 once the circuit opens).</summary>
    public static Dictionary<string, string?> QuickCircuit(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["GatewayErrors:Upstreams:catalog:TreatServerErrorsAsFailures"] = "true",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>
    /// Adds the resilience handler of <paramref name="kind"/> with a circuit that opens after two failed calls
    /// (<see cref="BreakDuration"/>), no retries and no hedging, and, when given, <paramref name="limiter"/> as its rate limiter.
    /// </summary>
    public static void AddResilience(IHttpClientBuilder client, ResilienceKind kind, RateLimiter? limiter = null)
    {
        switch (kind)
        {
            case ResilienceKind.Standard:
                client.AddStandardResilienceHandler(o =>
                {
                    o.Retry.ShouldHandle = static _ => ValueTask.FromResult(false);
                    QuickBreaker(o.CircuitBreaker);
                    if (limiter is not null)
                    {
                        o.RateLimiter.RateLimiter = args => limiter.AcquireAsync(1, args.Context.CancellationToken);
                    }
                });
                break;

            case ResilienceKind.Hedging:
                client.AddStandardHedgingHandler().Configure(o =>
                {
                    o.Hedging.ShouldHandle = static _ => ValueTask.FromResult(false);
                    QuickBreaker(o.Endpoint.CircuitBreaker);
                    if (limiter is not null)
                    {
                        o.Endpoint.RateLimiter.RateLimiter = args => limiter.AcquireAsync(1, args.Context.CancellationToken);
                    }
                });
                break;

            default:
                client.AddResilienceHandler("custom", builder =>
                {
                    if (limiter is not null)
                    {
                        builder.AddRateLimiter(limiter);
                    }

                    var breaker = new HttpCircuitBreakerStrategyOptions();
                    QuickBreaker(breaker);
                    builder.AddCircuitBreaker(breaker);
                });
                break;
        }
    }

    /// <summary>
    /// Starts the gateway with <c>/get</c> calling <paramref name="upstream"/> through the "catalog" client, and
    /// <c>/marked</c> doing the same behind <c>WithGatewayUpstreams("catalog")</c>.
    /// </summary>
    public static Task<GatewayTestApp> StartAsync(
        Uri upstream,
        Dictionary<string, string?> settings,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? endpoints = null,
        string environment = "Production",
        ResilienceKind kind = ResilienceKind.Standard,
        RateLimiter? limiter = null)
        => StartGatewayAsync(
            settings,
            s =>
            {
                AddResilience(s.AddHttpClient("catalog", c => c.BaseAddress = upstream).AddGatewayErrorsHandler(), kind, limiter);
                services?.Invoke(s);
            },
            app =>
            {
                app.MapGet("/get", context => ForwardAsync(context, "catalog", HttpMethod.Get));
                app.MapGet("/marked", context =>
                {
                    Interlocked.Increment(ref EndpointRuns);
                    return ForwardAsync(context, "catalog", HttpMethod.Get);
                }).WithGatewayUpstreams("catalog");
                endpoints?.Invoke(app);
            },
            environment);

    /// <summary>Starts the gateway on a manual clock with only the clients and endpoints the test adds.</summary>
    public static Task<GatewayTestApp> StartGatewayAsync(
        Dictionary<string, string?> settings,
        Action<IServiceCollection> services,
        Action<WebApplication> endpoints,
        string environment = "Production")
        => GatewayTestApp.StartAsync(s =>
        {
            s.Environment = environment;
            s.Time = new TimerWatchingTimeProvider();
            s.Configuration = settings;
            s.Services = services;
            s.Endpoints = endpoints;
        });

    /// <summary>Calls the client's base address (or <paramref name="uri"/>) and answers 200 with the status the upstream answered.</summary>
    public static async Task ForwardAsync(HttpContext context, string client, HttpMethod method, Uri? uri = null)
    {
        var http = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient(client);
        using var request = new HttpRequestMessage(method, uri) { Content = method == HttpMethod.Post ? new StringContent("order") : null };
        using var response = await http.SendAsync(request, context.RequestAborted);
        await context.Response.WriteAsync(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void QuickBreaker(HttpCircuitBreakerStrategyOptions breaker)
    {
        breaker.MinimumThroughput = 2;
        breaker.FailureRatio = 0.5;
        breaker.BreakDuration = BreakDuration;
    }
}
