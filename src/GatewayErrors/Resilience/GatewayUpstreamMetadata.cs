namespace GatewayErrors;

/// <summary>Endpoint metadata naming the upstreams an endpoint calls.</summary>
internal sealed class GatewayUpstreamMetadata(string[] upstreams)
{
    public string[] Upstreams { get; } = upstreams;
}
