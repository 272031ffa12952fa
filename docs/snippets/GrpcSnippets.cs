using Grpc.Core;

namespace DocSnippets;

/// <summary>docs/grpc.md.</summary>
internal static class GrpcSnippets
{
    // docs/grpc.md, "gRPC services that call upstreams".
    public static void Services(WebApplicationBuilder builder)
    {
        #region snippet: grpc-services
        builder.Services.AddGatewayErrors();
        builder.Services.AddGrpc().AddGatewayErrors();
        builder.Services.AddHttpClient("inventory", c => c.BaseAddress = new("http://inventory"))
            .AddGatewayErrorsHandler();
        #endregion
    }

    // docs/grpc.md, "Apps that call gRPC upstreams".
    public static void Clients(WebApplicationBuilder builder)
    {
        #region snippet: grpc-clients
        builder.Services.AddGatewayErrorsForGrpcClients();
        builder.Services.AddGrpcClient<Inventory.InventoryClient>(o => o.Address = new("http://inventory"))
            .AddGatewayErrorsHandler();
        #endregion
    }
}

/// <summary>Stands in for the client protoc generates from an <c>inventory.proto</c>.</summary>
internal static class Inventory
{
    internal sealed class InventoryClient : ClientBase<InventoryClient>
    {
        public InventoryClient(CallInvoker callInvoker)
            : base(callInvoker)
        {
        }

        private InventoryClient(ClientBaseConfiguration configuration)
            : base(configuration)
        {
        }

        protected override InventoryClient NewInstance(ClientBaseConfiguration configuration) => new(configuration);
    }
}
