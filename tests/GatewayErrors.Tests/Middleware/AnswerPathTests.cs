using System.Net;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace GatewayErrors.Tests.Middleware;

/// <summary>
/// The middleware's one answer path where apps place it: inside <c>UseRequestTimeouts()</c>, before an explicit
/// <c>UseRouting()</c>; and what it answers when the client, not the upstream, broke the exchange.
/// </summary>
public sealed class AnswerPathTests
{
    [Fact]
    public async Task RequestTimeoutOutsideUseGatewayErrors_UpstreamStalls_Returns504ResponseTimeout_Not499()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        await using var app = await StartAsync(upstream.BaseAddress, app =>
        {
            app.UseRequestTimeouts();
            app.UseGatewayErrors();
            app.MapGet("/slow", ForwardAsync).WithRequestTimeout(TimeSpan.FromMilliseconds(300));
        }, services => services.AddRequestTimeouts());

        using var response = await app.GetTestClient().GetAsync("/slow");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("http_response_timeout", ResponseAssertions.ProxyStatusError(response));
        var logged = Assert.Single(app.Services.GetFakeLogCollector().FromGatewayErrors(), e => e.Id.Id == 1);
        Assert.Equal("catalog", logged.GetStructuredStateValue("Upstream"));
    }

    [Fact]
    public async Task UseGatewayErrorsBeforeExplicitUseRouting_OpenCircuit_Returns503WithoutCallingTheUpstream()
    {
        await using var upstream = await OkUpstream.StartAsync(OkUpstream.Status(200));
        await using var app = await StartAsync(upstream.BaseAddress, app =>
        {
            app.UseGatewayErrors();
            app.UseRouting();
            app.MapGet("/marked", ForwardAsync).WithGatewayUpstreams("catalog");
        });
        await app.Services.GetRequiredService<IGatewayUpstreamCircuits>().IsolateAsync("catalog");

        using var response = await app.GetTestClient().GetAsync("/marked");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(response));
        Assert.Equal(0, upstream.RequestCount);
    }

    [Fact]
    public async Task UseGatewayErrorsBeforeExplicitUseRouting_StaleIfError_ServesTheCopy()
    {
        var broken = false;
        await using var upstream = await OkUpstream.StartAsync((context, number) =>
        {
            context.Response.StatusCode = broken ? 503 : 200;
            return broken ? Task.CompletedTask : context.Response.WriteAsync($"v{number}");
        });
        await using var app = await StartAsync(upstream.BaseAddress, app =>
        {
            app.UseGatewayErrors();
            app.UseRouting();
            app.MapGet("/page", ForwardAsync).WithStaleIfError(TimeSpan.FromMinutes(5));
        }, configuration: ("GatewayErrors:Upstreams:catalog:TreatServerErrorsAsFailures", "true"));
        var client = app.GetTestClient();

        // Asked for twice (StaleIfError:MinUses), so its response is kept.
        Assert.Equal("v1", await client.GetStringAsync("/page"));
        Assert.Equal("v2", await client.GetStringAsync("/page"));

        broken = true;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        HttpResponseMessage response;
        while ((response = await client.GetAsync("/page")).StatusCode != HttpStatusCode.OK)
        {
            // The copy is written in the background: until it is there, the outage is answered with the error.
            Assert.True(DateTime.UtcNow < deadline, $"No copy was served: {(int)response.StatusCode}");
            response.Dispose();
            await Task.Delay(10);
        }

        using (response)
        {
            Assert.Equal("v2", await response.Content.ReadAsStringAsync());
            Assert.True(response.Headers.Contains("Cache-Status"));
        }
    }

    [Fact]
    public async Task ClientBodyOverMaxRequestBodySize_WhileStreamedUpstream_Returns413_NotA502ChargedToTheUpstream()
    {
        await using var upstream = await OkUpstream.StartAsync(static async (context, _) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            await context.Response.WriteAsync("stored");
        });
        await using var app = await StartAsync(upstream.BaseAddress, app =>
        {
            app.UseGatewayErrors();
            app.MapPost("/upload", static async (HttpContext context, IHttpClientFactory factory) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "upload") { Content = new StreamContent(context.Request.Body) };
                using var response = await factory.CreateClient("catalog").SendAsync(request, context.RequestAborted);
                context.Response.StatusCode = (int)response.StatusCode;
            });
        }, kestrel: true);
        using var client = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

        // Chunked, so Kestrel finds the body too large only while the endpoint streams it upstream.
        using var content = new StreamContent(new MemoryStream(new byte[64 * 1024]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var answer = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        Assert.False(answer.Headers.Contains("Proxy-Status"));
        var logs = app.Services.GetFakeLogCollector().FromGatewayErrors();
        Assert.DoesNotContain(logs, e => e.Id.Id == 1);
        Assert.Single(logs, e => e.Id.Id == 8);
    }

    [Fact]
    public async Task PathWithCrLf_IsLoggedEscaped_NoForgedLine()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(refused.BaseAddress);

        using var response = await app.Client.GetAsync("/proxy/a%0D%0Acrit:%20forged%20entry");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var logged = Assert.Single(app.Logs.FromGatewayErrors(), e => e.Id.Id == 1);
        var path = logged.GetStructuredStateValue("Path");
        Assert.Equal("/proxy/a%0D%0Acrit:%20forged%20entry", path);
        Assert.DoesNotContain('\r', logged.Message);
        Assert.DoesNotContain('\n', logged.Message);
    }

    [Fact]
    public async Task FailuresAfterTheResponseStarted_AreLoggedOncePerWindow_ThenSummarised()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.TruncatedBody);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                using var response = await app.Client.GetAsync("/stream/x");
                await response.Content.ReadAsByteArrayAsync();
            });
        }

        var aborted = app.Logs.FromGatewayErrors().Where(e => e.Id.Id == 3).ToArray();
        Assert.Single(aborted);
        await app.DisposeAsync();
        var summary = Assert.Single(app.Logs.FromGatewayErrors(), e => e.Id.Id == 6);
        Assert.Equal("2", summary.GetStructuredStateValue("Count"));
    }

    private static async Task ForwardAsync(HttpContext context)
    {
        var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");
        using var response = await client.GetAsync(context.Request.Path.Value!.TrimStart('/'), context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static async Task<WebApplication> StartAsync(Uri upstream, Action<WebApplication> pipeline, Action<IServiceCollection>? services = null,
        bool kestrel = false, params (string Key, string Value)[] configuration)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        if (kestrel)
        {
            builder.WebHost.UseKestrel(o => o.Limits.MaxRequestBodySize = 1024).UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Logging.ClearProviders().AddFakeLogging().SetMinimumLevel(LogLevel.Debug);
        builder.Configuration.AddInMemoryCollection(configuration.Select(static c => new KeyValuePair<string, string?>(c.Key, c.Value)));
        builder.Services.AddGatewayErrors();
        builder.Services.AddHttpClient("catalog", c => c.BaseAddress = upstream).AddGatewayErrorsHandler();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        pipeline(app);
        await app.StartAsync();
        return app;
    }
}
