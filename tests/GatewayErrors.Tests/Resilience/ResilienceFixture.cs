using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Tests.Resilience;

/// <summary>
/// A gateway on a manual clock whose "catalog" client uses the resilience pipeline, in front of one upstream address.
/// </summary>
internal static class ResilienceFixture
{
    public const string Key = "GatewayErrors:Upstreams:catalog:Resilience:";

    public static int EndpointRuns;

    /// <summary>Settings that make the circuit easy to open: two failures in a row, no retries, no waits.</summary>
    public static Dictionary<string, string?> QuickCircuit(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["GatewayErrors:Upstreams:catalog:TreatServerErrorsAsFailures"] = "true",
            [Key + "Retry:MaxRetryAttempts"] = "0",
            [Key + "Retry:Delay"] = "00:00:00",
            [Key + "CircuitBreaker:MinimumThroughput"] = "2",
            [Key + "CircuitBreaker:FailureRatio"] = "0.5",
            [Key + "CircuitBreaker:BreakDuration"] = "00:00:05",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>
    /// Starts the gateway with <c>/get</c> and <c>/post</c> calling <paramref name="upstream"/> through the "catalog"
    /// client, and <c>/marked</c> doing the same behind <c>WithGatewayUpstreams("catalog")</c>.
    /// </summary>
    public static Task<GatewayTestApp> StartAsync(
        Uri upstream,
        Dictionary<string, string?> settings,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? endpoints = null,
        string environment = "Production")
        => StartGatewayAsync(
            settings,
            s =>
            {
                s.AddHttpClient("catalog", c => c.BaseAddress = upstream).AddGatewayErrorsHandler().AddGatewayResilience();
                services?.Invoke(s);
            },
            app =>
            {
                app.MapGet("/get", context => ForwardAsync(context, "catalog", HttpMethod.Get));
                app.MapGet("/post", context => ForwardAsync(context, "catalog", HttpMethod.Post));
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

    /// <summary>Calls the client's base address and answers 200 with the status the upstream answered.</summary>
    public static async Task ForwardAsync(HttpContext context, string client, HttpMethod method)
    {
        var http = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient(client);
        using var request = new HttpRequestMessage(method, string.Empty) { Content = method == HttpMethod.Post ? new StringContent("order") : null };
        using var response = await http.SendAsync(request, context.RequestAborted);
        await context.Response.WriteAsync(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
