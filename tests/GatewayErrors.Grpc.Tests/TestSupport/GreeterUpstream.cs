using GatewayErrors.Grpc.Tests.Protos;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Grpc.Tests.TestSupport;

/// <summary>
/// The tests' real gRPC upstream (Grpc.AspNetCore over h2c). <c>SayHello</c> greets, except the name <c>missing</c>,
/// which the service itself answers <c>NOT_FOUND</c> (an upstream's own status), and <c>stall</c>, which never answers.
/// <c>StreamHellos</c> sends one message, then, for a name <c>break:&lt;id&gt;</c>, waits for the test's signal in <see cref="GreeterService.Breaks"/> and aborts the stream.
/// </summary>
public sealed class GreeterService : Greeter.GreeterBase
{
    /// <summary>Per <c>break:&lt;id&gt;</c> name: completed by the test when the stream may break.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> Breaks = new();

    public override async Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
    {
        switch (request.Name)
        {
            case "missing":
                throw new RpcException(new Status(StatusCode.NotFound, "no such greeting"), new Metadata { { "upstream-said", "not-found" } });
            case "stall":
                // Never ends by itself: the caller's deadline or the gateway's timeout does.
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                break;
        }

        return new HelloReply { Message = "Hello " + request.Name };
    }

    public override async Task StreamHellos(HelloRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new HelloReply { Message = "first" });
        if (request.Name.StartsWith("break:", StringComparison.Ordinal))
        {
            // Only once the caller has the first message, so the break happens after the response started everywhere.
            await Breaks[request.Name].Task.WaitAsync(context.CancellationToken);
            context.GetHttpContext().Abort();
            return;
        }

        await responseStream.WriteAsync(new HelloReply { Message = "second" });
    }
}

/// <summary>Starts a <see cref="GreeterService"/> on Kestrel (127.0.0.1, h2c).</summary>
public static class GreeterUpstream
{
    public static Task<GrpcTestHost> StartAsync()
        => GrpcTestHost.StartAsync(s =>
        {
            s.Services = services => services.AddGrpc();
            s.App = app => app.MapGrpcService<GreeterService>();
        });
}
