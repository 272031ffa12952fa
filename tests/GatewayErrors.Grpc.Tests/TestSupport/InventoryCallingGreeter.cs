using GatewayErrors.Grpc.Tests.Protos;
using Grpc.Core;

namespace GatewayErrors.Grpc.Tests.TestSupport;

/// <summary>
/// A gRPC service that calls an HTTP upstream, the "inventory" client (with <c>AddGatewayErrorsHandler()</c>), in each
/// method. <c>SayHello</c> with the names <c>own-status</c> and <c>bug</c> throws the service's own
/// <see cref="RpcException"/> or an unrelated exception instead; <c>StreamHellos</c> sends one message before calling.
/// </summary>
public sealed class InventoryCallingGreeter(IHttpClientFactory clients) : Greeter.GreeterBase
{
    public override async Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
    {
        switch (request.Name)
        {
            case "own-status":
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "the service said no"));
            case "bug":
                throw new InvalidOperationException("a bug in the service");
        }

        using var response = await clients.CreateClient("inventory").GetAsync("/", context.CancellationToken);
        return new HelloReply { Message = "stock " + (int)response.StatusCode };
    }

    public override async Task StreamHellos(HelloRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new HelloReply { Message = "first" });
        using var response = await clients.CreateClient("inventory").GetAsync("/", context.CancellationToken);
        await responseStream.WriteAsync(new HelloReply { Message = "stock " + (int)response.StatusCode });
    }
}
