using System.Net;
using GatewayErrors.Grpc.Tests.Protos;
using GatewayErrors.Grpc.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.ClientFactory;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Grpc.Tests.Clients;

/// <summary>
/// Apps that call a gRPC upstream (<c>AddGrpcClient&lt;T&gt;()</c>): a call that fails because the upstream did not
/// answer in time or at all is answered like any upstream failure; a status the upstream sent is left to the app.
/// </summary>
public sealed class GrpcUpstreamTests
{
    [Fact]
    public async Task UpstreamRefused_MinimalApi_Returns502ConnectionRefused()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await StartApiAsync(refused.BaseAddress);

        using var response = await GetAsync(app, "/hello");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("error=connection_refused", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadlineRunsOutWhileUpstreamStalls_MinimalApi_Returns504ResponseTimeout()
    {
        await using var stalled = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var app = await StartApiAsync(stalled.BaseAddress);

        using var response = await GetAsync(app, "/hello?deadlineMs=300");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var proxyStatus = response.Headers.GetValues("Proxy-Status").Single();
        Assert.Contains("error=http_response_timeout", proxyStatus, StringComparison.Ordinal);
        var entry = Assert.Single(app.Logs.GetSnapshot(), r => r.Id.Name == "UpstreamFailure");
        Assert.Contains("greeter", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadlineRunsOut_WithoutRecognition_Is500AsBefore()
    {
        await using var stalled = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var app = await StartApiAsync(stalled.BaseAddress, recognise: false);

        using var response = await GetAsync(app, "/hello?deadlineMs=300");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.False(response.Headers.Contains("Proxy-Status"));
    }

    [Fact]
    public async Task HttpClientTimeoutWhileUpstreamStalls_MinimalApi_Returns504ResponseTimeout()
    {
        await using var stalled = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var app = await StartApiAsync(stalled.BaseAddress, httpClientTimeout: TimeSpan.FromMilliseconds(300));

        using var response = await GetAsync(app, "/hello-http");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("error=http_response_timeout", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamRefused_GrpcClientWithoutTheHandler_StillReturns502ConnectionRefused()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await StartApiAsync(refused.BaseAddress, handler: false);

        using var response = await GetAsync(app, "/hello");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("error=connection_refused", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamSendsItsOwnStatus_LeftToTheApp()
    {
        await using var upstream = await GreeterUpstream.StartAsync();
        await using var app = await StartApiAsync(upstream.Address);

        using var ok = await GetAsync(app, "/hello?name=Ada");
        using var notFound = await GetAsync(app, "/hello?name=missing");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("Hello Ada", await ok.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.InternalServerError, notFound.StatusCode);
        Assert.False(notFound.Headers.Contains("Proxy-Status"));
        Assert.DoesNotContain(app.Logs.GetSnapshot(), r => r.Id.Name == "UpstreamFailure");
    }

    [Fact]
    public async Task GrpcServiceCallingAStalledGrpcUpstream_EndsDeadlineExceededWithProxyStatus()
    {
        await using var stalled = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var gateway = await GrpcTestHost.StartAsync(s =>
        {
            s.Services = services =>
            {
                services.AddGrpc().AddGatewayErrors();
                services.AddGrpcClient<Greeter.GreeterClient>("greeter", o => o.Address = stalled.BaseAddress).AddGatewayErrorsHandler("greeter");
            };
            s.App = app =>
            {
                app.UseGatewayErrors();
                app.MapGrpcService<ForwardingGreeter>();
            };
        });
        var (channel, client) = gateway.Greeter();
        using var _ = channel;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest { Name = "300" }).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Contains("error=http_response_timeout", error.Trailers.GetValue("proxy-status"), StringComparison.Ordinal);
    }

    [Fact]
    public void Translator_StatusesTheUpstreamSent_AreNotFailures()
    {
        var translator = new RpcExceptionTranslator();
        var sent = new Metadata { { "date", "x" } };

        Assert.Null(translator.Translate(new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), sent)));
        Assert.Null(translator.Translate(new RpcException(new Status(StatusCode.Unavailable, "down for the night"), sent)));
        Assert.Null(translator.Translate(new RpcException(new Status(StatusCode.Unavailable, "made by the app"))));
        Assert.Null(translator.Translate(new InvalidOperationException("not gRPC")));
        Assert.Equal(GatewayErrorType.HttpResponseTimeout, translator.Translate(new RpcException(new Status(StatusCode.DeadlineExceeded, string.Empty)))?.ErrorType);
    }

    private static async Task<HttpResponseMessage> GetAsync(GrpcTestHost app, string path)
    {
        using var http = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(15) };
        return await http.GetAsync(path);
    }

    /// <summary>
    /// A minimal API over HTTP/1.1 whose <c>/hello</c> (declared with <c>WithGatewayUpstreams("greeter")</c>) calls the
    /// Greeter upstream through <c>AddGrpcClient</c>, with <c>AddGatewayErrorsHandler("greeter")</c> unless
    /// <paramref name="handler"/> is false, and the recognition of failed gRPC calls unless <paramref name="recognise"/> is
    /// false; <c>/hello-http</c> calls it over a channel built on a named HttpClient with
    /// <paramref name="httpClientTimeout"/>.
    /// </summary>
    private static Task<GrpcTestHost> StartApiAsync(Uri upstream, bool handler = true, bool recognise = true, TimeSpan? httpClientTimeout = null)
        => GrpcTestHost.StartAsync(s =>
        {
            s.Protocols = HttpProtocols.Http1;
            s.Services = services =>
            {
                services.AddGatewayErrors();
                if (recognise)
                {
                    services.AddGatewayErrorsForGrpcClients();
                }

                var client = services.AddGrpcClient<Greeter.GreeterClient>("greeter", o => o.Address = upstream);
                if (handler)
                {
                    client.AddGatewayErrorsHandler("greeter");
                }

                // A channel over an HttpClient of the app's own, whose Timeout applies to each call.
                services.AddHttpClient("greeter-http", c => c.Timeout = httpClientTimeout ?? TimeSpan.FromSeconds(15)).AddGatewayErrorsHandler("greeter");
            };
            s.App = app =>
            {
                app.UseGatewayErrors();
                app.MapGet("/hello", async (Greeter.GreeterClient greeter, HttpContext context, string? name, int? deadlineMs) =>
                {
                    DateTime? deadline = deadlineMs is { } ms ? DateTime.UtcNow.AddMilliseconds(ms) : null;
                    var reply = await greeter.SayHelloAsync(new HelloRequest { Name = name ?? "x" }, deadline: deadline, cancellationToken: context.RequestAborted);
                    return reply.Message;
                }).WithGatewayUpstreams("greeter");
                app.MapGet("/hello-http", async (IHttpClientFactory factory, HttpContext context) =>
                {
                    using var channel = GrpcChannel.ForAddress(upstream, new GrpcChannelOptions { HttpClient = factory.CreateClient("greeter-http") });
                    var reply = await new Greeter.GreeterClient(channel).SayHelloAsync(new HelloRequest(), cancellationToken: context.RequestAborted);
                    return reply.Message;
                });
            };
        });
}

/// <summary>A gRPC service that forwards <c>SayHello</c> to the "greeter" upstream with a deadline of <c>Name</c> milliseconds.</summary>
public sealed class ForwardingGreeter(GrpcClientFactory clients) : Greeter.GreeterBase
{
    public override async Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
    {
        var upstream = clients.CreateClient<Greeter.GreeterClient>("greeter");
        return await upstream.SayHelloAsync(request, deadline: DateTime.UtcNow.AddMilliseconds(int.Parse(request.Name, System.Globalization.CultureInfo.InvariantCulture)),
            cancellationToken: context.CancellationToken);
    }
}
