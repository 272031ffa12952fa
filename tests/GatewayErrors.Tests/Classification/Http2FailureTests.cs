using System.Net;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Classification;

/// <summary>
/// HTTP/2 upstreams (h2c with prior knowledge, <see cref="HttpVersionPolicy.RequestVersionExact"/>) that reset a stream,
/// go away mid-request or break the protocol are answered as specifically as their HTTP/1.1 counterparts.
/// </summary>
public sealed class Http2FailureTests
{
    [Fact]
    public async Task Http2Upstream_Answers_OverHttp2()
    {
        await using var upstream = await Http2Upstream.StartAsync();
        await using var app = await StartAsync(upstream.BaseAddress);

        using var response = await app.GetAsync("/h2/ok");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("200 HTTP/2.0 ok", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(0x2, "connection_terminated")] // INTERNAL_ERROR: the upstream gave up on the stream, as a TCP reset does.
    [InlineData(0x8, "connection_terminated")] // CANCEL
    [InlineData(0xb, "connection_terminated")] // ENHANCE_YOUR_CALM
    [InlineData(0x1, "http_protocol_error")] // PROTOCOL_ERROR: the upstream says the exchange broke the protocol.
    public async Task StreamResetBeforeHeaders_Returns502ByErrorCode(int errorCode, string errorType)
    {
        await using var upstream = await Http2Upstream.StartAsync();
        await using var app = await StartAsync(upstream.BaseAddress);

        using var response = await app.GetAsync($"/h2/reset/{errorCode}", "application/json");

        await AssertAsync(app, response, errorType, "catalog");
        var log = SingleFailureLog(app.Logs);
        Assert.Equal(nameof(HttpProtocolException), log.GetStructuredStateValue("ExceptionType"));
    }

    [Fact]
    public async Task StreamResetMidBody_Returns502HttpResponseIncomplete()
    {
        // The body is read after the handler returned (buffered by HttpClient), as for a truncated HTTP/1.1 body.
        await using var upstream = await Http2Upstream.StartAsync();
        await using var app = await StartAsync(upstream.BaseAddress);

        using var response = await app.GetAsync("/h2/reset-mid-body", "application/json");

        await AssertAsync(app, response, "http_response_incomplete", FailureReporter.UnknownUpstream);
    }

    [Fact]
    public async Task GoAwayMidRequest_Returns502ConnectionTerminated()
    {
        // Kestrel stopped without waiting: it sends GOAWAY and closes the connection while the request is in flight.
        await using var upstream = await Http2Upstream.StartAsync();
        await using var app = await StartAsync(upstream.BaseAddress);

        var call = app.GetAsync("/h2/stall", "application/json");
        await upstream.Stalled.WaitAsync(TimeSpan.FromSeconds(10));
        await upstream.ShutDownNowAsync();
        using var response = await call;

        await AssertAsync(app, response, "connection_terminated", "catalog");
    }

    [Fact]
    public async Task ProtocolBroken_Returns502HttpProtocolError_NamingTheErrorCode()
    {
        await using var upstream = await BrokenHttp2Upstream.StartAsync();
        await using var app = await StartAsync(upstream.BaseAddress);

        using var response = await app.GetAsync("/h2/items", "application/json");

        await AssertAsync(app, response, "http_protocol_error", "catalog");
        var log = SingleFailureLog(app.Logs);
        Assert.Equal(nameof(HttpProtocolException), log.GetStructuredStateValue("ExceptionType"));
        Assert.Contains("PROTOCOL_ERROR", log.GetStructuredStateValue("ExceptionMessage"), StringComparison.Ordinal);
    }

    private static Task<GatewayTestApp> StartAsync(Uri upstream) => GatewayTestApp.StartAsync(upstream, s =>
    {
        s.Client = client => client.ConfigureHttpClient(c =>
        {
            c.DefaultRequestVersion = HttpVersion.Version20;
            c.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        });
        s.Endpoints = app => app.MapGet("/h2/{**path}", async (HttpContext context, IHttpClientFactory factory, string? path) =>
        {
            // GetAsync uses the client's default version (a hand-made HttpRequestMessage would stay HTTP/1.1) and buffers the body.
            using var answer = await factory.CreateClient("catalog").GetAsync(path ?? string.Empty, context.RequestAborted);
            var body = await answer.Content.ReadAsStringAsync(context.RequestAborted);
            return Results.Text($"{(int)answer.StatusCode} HTTP/{answer.Version} {body}");
        });
    });

    private static async Task AssertAsync(GatewayTestApp app, HttpResponseMessage response, string errorType, string upstream)
    {
        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal(errorType, ProxyStatusError(response));
        var problem = await ProblemAsync(response);
        Assert.Equal(errorType, problem.GetProperty("errorType").GetString());
        var log = SingleFailureLog(app.Logs);
        Assert.Equal(errorType, log.GetStructuredStateValue("ErrorType"));
        Assert.Equal(upstream, log.GetStructuredStateValue("Upstream"));
    }
}
