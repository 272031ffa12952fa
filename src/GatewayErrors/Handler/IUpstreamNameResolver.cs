using System.Net;

namespace GatewayErrors;

/// <summary>Resolves upstream host names; the seam that lets tests fail DNS without a resolver.</summary>
internal interface IUpstreamNameResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system resolver. Its lookups honour cancellation, which is what lets a deadline end them.</summary>
internal sealed class DnsNameResolver : IUpstreamNameResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        => Dns.GetHostAddressesAsync(host, cancellationToken);
}
