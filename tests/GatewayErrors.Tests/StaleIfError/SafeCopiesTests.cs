using System.Diagnostics;
using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.StaleIfError;

/// <summary>
/// Stale copies that are safe by construction: only a complete exchange is kept, a copy never reaches a request the
/// app's own checks would have rejected, and a hold-down covers only what the failure says is down.
/// </summary>
public sealed class SafeCopiesTests
{
    private const int Chunk = 64 * 1024;

    [Fact]
    public async Task ClientDropsMidBody_KeepsNothing_OutageAnswers503()
    {
        // A 24 MiB body streamed without Content-Length; the visitor reads the headers and 4 KiB, then hangs up.
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StaleHost.StartAsync(s =>
        {
            s.Kestrel = true;
            s.Configuration["GatewayErrors:StaleIfError:MaxEntryBytes"] = (64 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture);
            s.Endpoints = StreamingRoute;
            s.Outer = async (context, next) =>
            {
                try
                {
                    await next(context);
                }
                finally
                {
                    if (context.Request.Path == "/stream/big")
                    {
                        finished.TrySetResult();
                    }
                }
            };
        });
        host.Respond = static async (context, _) =>
        {
            var chunk = new byte[Chunk];
            for (var i = 0; i < 24 * 1024 * 1024 / Chunk; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        };

        using (var response = await host.App.Client.GetAsync("/stream/big", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var stream = await response.Content.ReadAsStreamAsync();
            await stream.ReadExactlyAsync(new byte[4096]);
        }

        // The gateway has seen the visitor leave and finished with the request: whatever it kept, it has kept.
        await finished.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await AssertNothingKeptAsync(host, "/stream/big");
    }

    [Fact]
    public async Task UpstreamCutsChunkedBody_KeepsNothing_ClientSeesAbort_OutageAnswers503()
    {
        await using var host = await StaleHost.StartAsync(s => s.Endpoints = StreamingRoute);
        host.Respond = static async (context, _) =>
        {
            await context.Response.Body.WriteAsync(new byte[256 * 1024]);
            await context.Response.Body.FlushAsync();
            context.Abort();
        };

        // A streaming proxy has sent the status line and part of the body when the upstream's body breaks off.
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await host.GetAsync("/stream/cut");
            await response.Content.ReadAsByteArrayAsync();
        });

        // The upstream reset its connection mid-body.
        var aborted = Assert.Single(host.Logged(3));
        Assert.Equal("connection_terminated", aborted.GetStructuredStateValue("ErrorType"));
        await AssertNothingKeptAsync(host, "/stream/cut");
    }

    [Fact]
    public async Task UpstreamCutsChunkedBody_WhileBuffered_Answers502_KeepsNothing()
    {
        await using var host = await StaleHost.StartAsync();
        host.Respond = static async (context, _) =>
        {
            await context.Response.Body.WriteAsync(new byte[256 * 1024]);
            await context.Response.Body.FlushAsync();
            context.Abort();
        };

        using (var response = await host.GetAsync("/page/cut"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Equal("connection_terminated", ResponseAssertions.ProxyStatusError(response));
        }

        await AssertNothingKeptAsync(host, "/page/cut");
    }

    [Fact]
    public async Task ApiKeyMiddlewareAfterUseGatewayErrors_CopyNeverServedWithoutKey_OnFailureHoldDownOpenCircuitAndMaintenance()
    {
        await using var host = await StaleHost.StartAsync(s => s.Endpoints = web => web.Use(RequireApiKey));
        Assert.Equal("v1", await host.GetBodyAsync("/marked/a", WithKey));
        await host.WaitForKeptAsync("/marked/a");
        host.Broken = true;

        // The endpoint runs and its upstream fails: the request with the key gets the copy, and a hold-down starts.
        Assert.Equal("v1", await host.GetBodyAsync("/marked/a", WithKey));
        var requestsSoFar = host.Upstream.RequestCount;
        await AssertRejectedAsync(host, "failure path");

        // The hold-down: answered from the copy without calling the upstream, but only for requests the app lets in.
        Assert.Equal("v1", await host.GetBodyAsync("/marked/a", WithKey));
        await AssertRejectedAsync(host, "hold-down");
        Assert.Equal(requestsSoFar, host.Upstream.RequestCount);

        // The open circuit: nothing is called, and still nothing is served past the app's check.
        var circuits = host.App.Services.GetRequiredService<IGatewayUpstreamCircuits>();
        await circuits.IsolateAsync("catalog");
        host.App.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("v1", await host.GetBodyAsync("/marked/a", WithKey));
        await AssertRejectedAsync(host, "open circuit");
        await circuits.CloseAsync("catalog");

        // Maintenance, switched on by a configuration reload.
        var configuration = (IConfigurationRoot)host.App.Services.GetRequiredService<IConfiguration>();
        configuration["GatewayErrors:Upstreams:catalog:Maintenance:Enabled"] = "true";
        configuration.Reload();
        host.App.Time.Advance(TimeSpan.FromMinutes(1));
        using (var maintenance = await host.GetAsync("/marked/a", WithKey))
        {
            Assert.Equal(HttpStatusCode.OK, maintenance.StatusCode);
            Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(maintenance));
        }

        await AssertRejectedAsync(host, "maintenance");
        Assert.Equal(requestsSoFar, host.Upstream.RequestCount);
    }

    [Fact]
    public async Task AuthorizationPolicyAfterUseGatewayErrors_CopyNeverServedToForbiddenRequest_OnFailureHoldDownOpenCircuitAndMaintenance()
    {
        await using var host = await StaleHost.StartAsync(s =>
        {
            s.Services = services =>
            {
                services.AddAuthentication("header").AddScheme<AuthenticationSchemeOptions, NobodyHandler>("header", null);
                services.AddAuthorization(o => o.AddPolicy("partner", p => p.RequireAssertion(
                    c => c.Resource is HttpContext http && http.Request.Headers["X-Partner"] == "yes")));
            };
            s.Endpoints = web =>
            {
                web.UseAuthentication();
                web.UseAuthorization();
                web.MapGet("/partner/{**path}", static (HttpContext context) => ForwardViaHostAsync(context))
                    .WithStaleIfError(StaleHost.DefaultMaxStale).WithGatewayUpstreams("catalog").RequireAuthorization("partner");
            };
        });
        static void Partner(HttpRequestMessage r) => r.Headers.Add("X-Partner", "yes");

        Assert.Equal("v1", await host.GetBodyAsync("/partner/a", Partner));
        await host.WaitForKeptAsync("/partner/a");
        host.Broken = true;

        Assert.Equal("v1", await host.GetBodyAsync("/partner/a", Partner));
        using (var failure = await host.GetAsync("/partner/a"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, failure.StatusCode);
            Assert.DoesNotContain("v1", await failure.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Within the hold-down that the failure started.
        Assert.Equal("v1", await host.GetBodyAsync("/partner/a", Partner));
        await AssertForbiddenAsync("hold-down");
        var requestsSoFar = host.Upstream.RequestCount;

        // The open circuit.
        var circuits = host.App.Services.GetRequiredService<IGatewayUpstreamCircuits>();
        await circuits.IsolateAsync("catalog");
        host.App.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("v1", await host.GetBodyAsync("/partner/a", Partner));
        await AssertForbiddenAsync("open circuit");
        await circuits.CloseAsync("catalog");

        // Maintenance, switched on by a configuration reload.
        var configuration = (IConfigurationRoot)host.App.Services.GetRequiredService<IConfiguration>();
        configuration["GatewayErrors:Upstreams:catalog:Maintenance:Enabled"] = "true";
        configuration.Reload();
        host.App.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("v1", await host.GetBodyAsync("/partner/a", Partner));
        await AssertForbiddenAsync("maintenance");
        Assert.Equal(requestsSoFar, host.Upstream.RequestCount);

        async Task AssertForbiddenAsync(string path)
        {
            using var response = await host.GetAsync("/partner/a");
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode}");
            Assert.DoesNotContain("v1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Cache-Status"), path);
        }
    }

    [Fact]
    public async Task SlowUrlTimesOut_HealthyUrlOfTheSameRoute_IsAnsweredByItsUpstream_NotFromItsCopy()
    {
        var release = new TaskCompletionSource();
        await using var host = await StaleHost.StartAsync(s => s.Client = c => c.ConfigureHttpClient(h => h.Timeout = TimeSpan.FromMilliseconds(300)));
        host.Respond = async (context, number) =>
        {
            if (context.Request.Path.StartsWithSegments("/page/slow"))
            {
                await release.Task.WaitAsync(context.RequestAborted);
            }

            await context.Response.WriteAsync($"v{number}");
        };
        try
        {
            Assert.Equal("v1", await host.GetBodyAsync("/page/fine"));
            await host.WaitForKeptAsync("/page/fine");

            using (var slow = await host.GetAsync("/page/slow"))
            {
                Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
                Assert.Equal("http_response_timeout", ResponseAssertions.ProxyStatusError(slow));
            }

            using var fine = await host.GetAsync("/page/fine");
            Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
            Assert.StartsWith("v", await fine.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.NotEqual("v1", await fine.Content.ReadAsStringAsync());
            Assert.False(fine.Headers.Contains("Cache-Status"));
            Assert.False(fine.Headers.Contains("Proxy-Status"));
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task ConnectionLevelFailure_HoldsDownEveryUrlOfTheRoute()
    {
        await using var host = await StaleHost.StartAsync();
        Assert.Equal("v1", await host.GetBodyAsync("/page/a"));
        Assert.Equal("v2", await host.GetBodyAsync("/page/b"));
        await host.WaitForKeptAsync("/page/a");
        await host.WaitForKeptAsync("/page/b");
        await host.StopUpstreamAsync();

        using (var refused = await host.GetAsync("/page/a"))
        {
            Assert.Equal("connection_refused", ResponseAssertions.ProxyStatusError(refused));
        }

        // The upstream is down, so /page/b is answered from its copy at once, naming the failure that holds it down.
        using var held = await host.GetAsync("/page/b");
        Assert.Equal("v2", await held.Content.ReadAsStringAsync());
        Assert.Equal("connection_refused", ResponseAssertions.ProxyStatusError(held));
    }

    [Fact]
    public async Task StaleHit_IsReportedLikeAnyFailure_InTheFeatureStatisticsAndTrace()
    {
        IGatewayErrorFeature? feature = null;
        var traceId = ActivityTraceId.CreateRandom();
        var stopped = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId && activity.GetTagItem("gateway.outcome") is not null)
                {
                    stopped.TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await StaleHost.StartAsync(s => s.Outer = async (context, next) =>
        {
            await next(context);
            feature = context.Features.Get<IGatewayErrorFeature>();
        });
        await host.GetBodyAsync("/page/a");
        await host.WaitForKeptAsync("/page/a");
        host.Broken = true;

        Assert.Equal("v1", await host.GetBodyAsync("/page/a", r => r.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01")));
        var requestActivity = await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(feature);
        Assert.Equal(GatewayErrorOutcome.StaleCopy, feature.Outcome);
        Assert.Equal(200, feature.StatusCode);
        Assert.Equal(GatewayErrorType.DestinationUnavailable, feature.Failure.ErrorType);
        var statistics = host.App.Services.GetRequiredService<UpstreamFailureStatistics>().Get("catalog");
        Assert.NotNull(statistics);
        Assert.Equal(1, statistics.Total);
        Assert.Equal("stale_copy", requestActivity.GetTagItem("gateway.outcome"));
        Assert.Equal("destination_unavailable", requestActivity.GetTagItem("error.type"));
        Assert.NotEqual(ActivityStatusCode.Error, requestActivity.Status);
    }

    /// <summary><c>/stream/{path}</c>: a streaming proxy (as YARP is) that sends the status line before the body has arrived.</summary>
    private static void StreamingRoute(WebApplication web)
        => web.MapGet("/stream/{**path}", static async (HttpContext context) =>
        {
            var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");
            using var request = new HttpRequestMessage(HttpMethod.Get, context.Request.Path.Value!.TrimStart('/'));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            await context.Response.StartAsync(context.RequestAborted);
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }).WithStaleIfError(StaleHost.DefaultMaxStale);

    private static void WithKey(HttpRequestMessage request) => request.Headers.Add("X-Api-Key", "k");

    private static Task RequireApiKey(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Headers["X-Api-Key"] != "k")
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }

        return next(context);
    }

    private static async Task AssertRejectedAsync(StaleHost host, string path)
    {
        using var response = await host.GetAsync("/marked/a");
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode}");
        Assert.Empty(await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("Cache-Status"), path);
    }

    /// <summary>The gateway's own forwarding (as StaleHost's routes do) for routes a test maps itself.</summary>
    private static async Task ForwardViaHostAsync(HttpContext context)
    {
        var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");
        using var response = await client.GetAsync(context.Request.Path.Value!.TrimStart('/'), context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    /// <summary>Proves no copy of <paramref name="path"/> was kept: a control copy written later is there, then the outage answers 503.</summary>
    private static async Task AssertNothingKeptAsync(StaleHost host, string path)
    {
        host.Respond = static (context, _) => context.Response.WriteAsync("control");
        await host.GetBodyAsync("/page/control");
        await host.WaitForKeptAsync("/page/control");
        host.Broken = true;

        using var response = await host.GetAsync(path);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.False(response.Headers.Contains("Cache-Status"));
    }

    /// <summary>An authentication scheme that never authenticates: the policy decides on the request alone.</summary>
    private sealed class NobodyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}
