using System.Diagnostics.Metrics;
using GatewayErrors.Grpc.Tests.Protos;
using GatewayErrors.Grpc.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GatewayErrors.Grpc.Tests.Interception;

/// <summary>
/// <c>AddGrpc().AddGatewayErrors()</c>: a gRPC service method whose HTTP upstream fails ends with the gRPC status of the
/// failure's type and a <c>proxy-status</c> trailer, reported like every other gateway error, instead of
/// <c>UNKNOWN</c> "Exception was thrown by handler.".
/// </summary>
public sealed class InterceptorTests
{
    [Fact]
    public async Task UpstreamRefused_ServiceMethod_EndsUnavailableWithProxyStatus_AndIsReported()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var service = await StartServiceAsync(refused.BaseAddress);
        var factory = service.Services.GetRequiredService<IMeterFactory>();
        using var failures = new MetricCollector<long>(factory, "GatewayErrors", "gateway_errors.upstream.failures");
        using var duration = new MetricCollector<double>(factory, "Microsoft.AspNetCore.Hosting", "http.server.request.duration");
        var (channel, client) = service.Greeter();
        using var _ = channel;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);
        await duration.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(10));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(Responses.GrpcAnswerTests.Title("connection_refused", "en"), error.Status.Detail);
        Assert.Contains("error=connection_refused", error.Trailers.GetValue("proxy-status"), StringComparison.Ordinal);
        var failure = Assert.Single(failures.GetMeasurementSnapshot());
        Assert.Equal("connection_refused", failure.Tags["error.type"]);
        Assert.Equal("inventory", failure.Tags["gateway.upstream"]);
        Assert.Equal("connection_refused", Assert.Single(duration.GetMeasurementSnapshot()).Tags["error.type"]);
        var entry = Assert.Single(service.Logs.GetSnapshot(), r => r.Id.Name == "UpstreamFailure");
        Assert.Contains("inventory", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(service.Logs.GetSnapshot(), r => r.Category?.StartsWith("Grpc", StringComparison.Ordinal) == true && r.Exception is not null);
    }

    [Fact]
    public async Task WithoutTheInterceptor_SameFailure_IsUnknown()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var service = await StartServiceAsync(refused.BaseAddress, interceptor: false);
        var (channel, client) = service.Greeter();
        using var _ = channel;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Null(error.Trailers.Get("proxy-status"));
    }

    [Fact]
    public async Task UpstreamStallsPastHttpClientTimeout_ServiceMethod_EndsDeadlineExceeded()
    {
        await using var stalled = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var service = await StartServiceAsync(stalled.BaseAddress, timeout: TimeSpan.FromMilliseconds(300));
        var (channel, client) = service.Greeter();
        using var _ = channel;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Contains("error=http_response_timeout", error.Trailers.GetValue("proxy-status"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenCircuit_ServiceMethod_EndsUnavailableWithRetryPushback()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ServerError, statusCode: 500);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        await using var service = await StartServiceAsync(upstream.BaseAddress, time: time, resilience: true);
        var (channel, client) = service.Greeter();
        using var _ = channel;
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("5000", error.Trailers.GetValue("grpc-retry-pushback-ms"));
        Assert.Contains("error=destination_unavailable", error.Trailers.GetValue("proxy-status"), StringComparison.Ordinal);
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task Maintenance_ServiceMappedWithItsUpstream_AnsweredBeforeTheMethodRuns()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.Ok);
        await using var service = await StartServiceAsync(upstream.BaseAddress, configure: s =>
            s.Configuration["GatewayErrors:Upstreams:inventory:Maintenance:Enabled"] = "true");
        var (channel, client) = service.Greeter();
        using var _ = channel;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("error=destination_unavailable", error.Trailers.GetValue("proxy-status"), StringComparison.Ordinal);
        Assert.Null(error.Trailers.Get("grpc-retry-pushback-ms"));
        Assert.Equal(0, upstream.ConnectionCount);
    }

    [Fact]
    public async Task UpstreamFailsMidStream_StreamEndsWithTheStatusAfterTheFirstMessage()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var service = await StartServiceAsync(refused.BaseAddress);
        var (channel, client) = service.Greeter();
        using var _ = channel;

        using var call = client.StreamHellos(new HelloRequest());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var first = call.ResponseStream.Current.Message;
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        // gRPC can end a started call with a status (trailers after the messages): nothing to abort.
        Assert.Equal("first", first);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("error=connection_refused", error.Trailers.GetValue("proxy-status"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("own-status", StatusCode.FailedPrecondition)]
    [InlineData("bug", StatusCode.Unknown)]
    public async Task NotAnUpstreamFailure_LeftToGrpcAsBefore(string name, StatusCode expected)
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var service = await StartServiceAsync(refused.BaseAddress);
        var (channel, client) = service.Greeter();
        using var _ = channel;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest { Name = name }).ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
        Assert.Null(error.Trailers.Get("proxy-status"));
        Assert.DoesNotContain(service.Logs.GetSnapshot(), r => r.Id.Name == "UpstreamFailure");
    }

    [Fact]
    public void AddGatewayErrors_Twice_AddsTheInterceptorOnce()
    {
        var services = new ServiceCollection();
        services.AddGrpc().AddGatewayErrors().AddGatewayErrors();
        using var provider = services.BuildServiceProvider();

        var interceptors = provider.GetRequiredService<IOptions<GrpcServiceOptions>>().Value.Interceptors;

        Assert.Single(interceptors, i => i.Type == typeof(GatewayErrorsInterceptor));
        Assert.Single(provider.GetServices<IUpstreamFailureTranslator>());
    }

    [Fact]
    public void AddGatewayErrors_NullBuilder_Throws()
        => Assert.Throws<ArgumentNullException>("builder", () => GatewayErrorsGrpcServerBuilderExtensions.AddGatewayErrors(null!));

    /// <summary>
    /// A gRPC service app: <see cref="InventoryCallingGreeter"/> mapped with <c>WithGatewayUpstreams("inventory")</c>,
    /// <c>UseGatewayErrors()</c> in front, and the "inventory" client with <c>AddGatewayErrorsHandler()</c>.
    /// </summary>
    internal static Task<GrpcTestHost> StartServiceAsync(Uri upstream, bool interceptor = true, TimeSpan? timeout = null, FakeTimeProvider? time = null,
        bool resilience = false, Action<GrpcTestHostSettings>? configure = null)
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
                var grpc = services.AddGrpc();
                if (interceptor)
                {
                    grpc.AddGatewayErrors();
                }

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
            s.Configuration["GatewayErrors:Upstreams:inventory:TreatServerErrorsAsFailures"] = "true";
            s.App = app =>
            {
                app.UseGatewayErrors();
                app.MapGrpcService<InventoryCallingGreeter>().WithGatewayUpstreams("inventory");
            };
        });
}
