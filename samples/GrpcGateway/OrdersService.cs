using Grpc.Core;

namespace GrpcGateway;

/// <summary>
/// The gRPC service: each call asks the "inventory" upstream over HTTP, through a client with
/// <c>AddGatewayErrorsHandler()</c>. It has no error handling of its own: an upstream failure is thrown, and
/// <c>AddGrpc().AddGatewayErrors()</c> turns it into the gRPC status of its RFC 9209 type.
/// </summary>
internal sealed class OrdersService(IHttpClientFactory clients) : Orders.OrdersBase
{
    public override async Task<OrderReply> GetOrder(OrderRequest request, ServerCallContext context)
    {
        var stock = await clients.CreateClient("inventory").GetStringAsync($"stock/{request.Id}", context.CancellationToken);
        return new OrderReply { Id = request.Id, InStock = int.Parse(stock, System.Globalization.CultureInfo.InvariantCulture) };
    }
}
