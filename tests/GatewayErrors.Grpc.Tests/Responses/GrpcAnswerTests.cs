using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Resources;
using GatewayErrors.Grpc.Tests.Protos;
using GatewayErrors.Grpc.Tests.TestSupport;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace GatewayErrors.Grpc.Tests.Responses;

/// <summary>
/// A gRPC client calling an app with <c>UseGatewayErrors()</c> whose endpoint calls an HTTP upstream through
/// <c>AddGatewayErrorsHandler()</c>: the failure comes back as a trailers-only gRPC answer, read by a real
/// Grpc.Net.Client and by a plain HTTP/2 request.
/// </summary>
public sealed class GrpcAnswerTests
{
    private const string SayHello = "/greet.Greeter/SayHello";

    [Fact]
    public async Task UpstreamRefused_GrpcClient_GetsUnavailableWithTitleAndProxyStatusTrailer()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var gateway = await StartGatewayAsync(refused.BaseAddress);
        var (channel, client) = gateway.Greeter();
        using var _ = channel;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest { Name = "a" }).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(Title("connection_refused", "en"), error.Status.Detail);
        var proxyStatus = StructuredFieldList.Parse(error.Trailers.GetValue("proxy-status")!);
        Assert.Equal(new Token("connection_refused"), proxyStatus.Single()["error"]);
        Assert.Null(error.Trailers.Get("grpc-retry-pushback-ms"));
    }

    [Fact]
    public async Task UpstreamRefused_RequestMetric_Is200ButCarriesTheErrorType()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var gateway = await StartGatewayAsync(refused.BaseAddress);
        using var duration = new MetricCollector<double>(gateway.Services.GetRequiredService<IMeterFactory>(), "Microsoft.AspNetCore.Hosting", "http.server.request.duration");
        var (channel, client) = gateway.Greeter();
        using var _ = channel;

        await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);
        await duration.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(10));

        // The HTTP status of a gRPC answer is 200: error.type is what tells dashboards the call failed, and why.
        var measurement = Assert.Single(duration.GetMeasurementSnapshot());
        Assert.Equal(StatusCodes.Status200OK, measurement.Tags["http.response.status_code"]);
        Assert.Equal("connection_refused", measurement.Tags["error.type"]);
    }

    [Fact]
    public async Task UpstreamStalls_PastHttpClientTimeout_GrpcClientGetsDeadlineExceeded()
    {
        await using var stalled = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var gateway = await StartGatewayAsync(stalled.BaseAddress, timeout: TimeSpan.FromMilliseconds(300));
        var (channel, client) = gateway.Greeter();
        using var _ = channel;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(Title("http_response_timeout", "en"), error.Status.Detail);
        Assert.Contains("error=http_response_timeout", error.Trailers.GetValue("proxy-status"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamRefused_RawHttp2Request_Gets200TrailersOnlyWithNoBody()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var gateway = await StartGatewayAsync(refused.BaseAddress);
        using var http = gateway.Http2Client();
        using var request = GrpcRequest(SayHello, "application/grpc+proto");
        request.Headers.TryAddWithoutValidation("Accept", "text/html");

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
        Assert.Equal(Title("connection_refused", "en"), response.Headers.GetValues("grpc-message").Single());
        Assert.Contains("error=connection_refused", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Retry-After"));
        Assert.Empty(body);
        Assert.Empty(response.TrailingHeaders);
    }

    [Fact]
    public async Task JapaneseCaller_GrpcMessage_IsTheLocalizedTitlePercentEncoded()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var gateway = await StartGatewayAsync(refused.BaseAddress);
        var (channel, client) = gateway.Greeter();
        using var _ = channel;
        using var http = gateway.Http2Client();
        using var request = GrpcRequest(SayHello, "application/grpc");
        request.Headers.TryAddWithoutValidation("Accept-Language", "ja");

        var error = await Assert.ThrowsAsync<RpcException>(
            () => client.SayHelloAsync(new HelloRequest(), new Metadata { { "accept-language", "ja" } }).ResponseAsync);
        using var raw = await http.SendAsync(request);

        var japanese = Title("connection_refused", "ja");
        Assert.Equal(japanese, error.Status.Detail);
        Assert.Equal(GrpcStatusAnswer.PercentEncode(japanese), raw.Headers.GetValues("grpc-message").Single());
        Assert.All(raw.Headers.GetValues("grpc-message").Single(), c => Assert.InRange(c, ' ', '~'));
    }

    [Fact]
    public async Task Maintenance_MarkedGrpcRoute_UnavailableWithRetryPushbackAndNoUpstreamCall()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.Ok);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        await using var gateway = await StartGatewayAsync(upstream.BaseAddress, configure: s =>
        {
            s.Configuration["GatewayErrors:Upstreams:inventory:Maintenance:Enabled"] = "true";
            s.Configuration["GatewayErrors:Upstreams:inventory:Maintenance:Until"] = time.GetUtcNow().AddSeconds(90).ToString("O");
            s.Configuration["GatewayErrors:Upstreams:inventory:Maintenance:Message"] = "Upgrading until 08:01.";
        }, time: time);
        var (channel, client) = gateway.Greeter();
        using var _ = channel;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(Title("destination_unavailable", "en"), error.Status.Detail);
        Assert.Equal("90000", error.Trailers.GetValue("grpc-retry-pushback-ms"));
        Assert.Contains("error=destination_unavailable", error.Trailers.GetValue("proxy-status"), StringComparison.Ordinal);
        Assert.Equal(0, upstream.ConnectionCount);
    }

    [Fact]
    public async Task OpenCircuit_MarkedGrpcRoute_UnavailableWithTheBreakAsRetryPushback()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ServerError, statusCode: 500);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        await using var gateway = await StartGatewayAsync(upstream.BaseAddress, configure: s =>
        {
            s.Configuration["GatewayErrors:Upstreams:inventory:TreatServerErrorsAsFailures"] = "true";
        }, time: time, resilience: true);
        var (channel, client) = gateway.Greeter();
        using var _ = channel;
        for (var i = 0; i < 2; i++)
        {
            // Two 502s (the upstream's 500s) open the circuit.
            var failed = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);
            Assert.Contains("received-status=500", failed.Trailers.GetValue("proxy-status"), StringComparison.Ordinal);
        }

        var requests = upstream.RequestCount;
        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);
        time.Advance(TimeSpan.FromSeconds(2));
        var later = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("5000", error.Trailers.GetValue("grpc-retry-pushback-ms"));
        Assert.Equal("3000", later.Trailers.GetValue("grpc-retry-pushback-ms"));
        Assert.Contains("error=destination_unavailable", error.Trailers.GetValue("proxy-status"), StringComparison.Ordinal);
        Assert.Equal(requests, upstream.RequestCount);
    }

    [Fact]
    public async Task GrpcWebCall_OverHttp11_GetsTrailersOnlyInTheHeaders()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var gateway = await StartGatewayAsync(refused.BaseAddress, configure: s => s.Protocols = HttpProtocols.Http1);
        using var http = new HttpClient { BaseAddress = gateway.Address };
        using var request = GrpcRequest(SayHello, "application/grpc-web-text+proto");
        request.Version = HttpVersion.Version11;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc-web-text", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains("error=connection_refused", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task NotAGrpcRequest_SameFailure_StillGetsTheHttpStatus()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var gateway = await StartGatewayAsync(refused.BaseAddress);
        using var http = gateway.Http2Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, SayHello)
        {
            Content = new StringContent("{}", null, "application/json"),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.False(response.Headers.Contains("grpc-status"));
    }

    /// <summary>The title of <paramref name="token"/> in <paramref name="language"/>, read from the shipped resources.</summary>
    internal static string Title(string token, string language)
        => new ResourceManager(PageTexts.ResourceBaseName, typeof(GatewayErrorType).Assembly).GetString(token + ".title", CultureInfo.GetCultureInfo(language))!;

    internal static HttpRequestMessage GrpcRequest(string path, string contentType)
    {
        // One empty message: the 5-byte gRPC frame header (not compressed, length 0).
        var content = new ByteArrayContent(new byte[5]);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        return request;
    }

    /// <summary>
    /// The gateway: <c>/greet.Greeter/SayHello</c> is an ordinary endpoint (no gRPC service) that calls the "inventory"
    /// upstream, with <c>WithGatewayUpstreams("inventory")</c> so an unavailable upstream is answered before it runs.
    /// </summary>
    private static Task<GrpcTestHost> StartGatewayAsync(Uri upstream, Action<GrpcTestHostSettings>? configure = null, TimeSpan? timeout = null,
        FakeTimeProvider? time = null, bool resilience = false)
        => GrpcTestHost.StartAsync(s =>
        {
            configure?.Invoke(s);
            s.Services = services =>
            {
                if (time is not null)
                {
                    services.AddSingleton<TimeProvider>(time);
                }

                services.AddGatewayErrors();
                var client = services.AddHttpClient("inventory", c =>
                {
                    c.BaseAddress = upstream;
                    c.Timeout = timeout ?? TimeSpan.FromSeconds(15);
                }).AddGatewayErrorsHandler();
                if (resilience)
                {
                    client.AddStandardResilienceHandler(o =>
                    {
                        o.Retry.ShouldHandle = static _ => ValueTask.FromResult(false);
                        o.CircuitBreaker.MinimumThroughput = 2;
                        o.CircuitBreaker.FailureRatio = 0.5;
                        o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
                    });
                }
            };
            s.App = app =>
            {
                app.UseGatewayErrors();
                app.MapPost(SayHello, async (HttpContext context, IHttpClientFactory factory) =>
                {
                    using var response = await factory.CreateClient("inventory").GetAsync("/", context.RequestAborted);
                    context.Response.StatusCode = StatusCodes.Status501NotImplemented;
                }).WithGatewayUpstreams("inventory");
            };
        });
}
