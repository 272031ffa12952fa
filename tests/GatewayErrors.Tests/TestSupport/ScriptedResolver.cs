using System.Collections.Concurrent;
using System.Net;

namespace GatewayErrors.Tests.TestSupport;

/// <summary>Stands in for DNS, which tests must not depend on: answers lookups with a script.</summary>
internal sealed class ScriptedResolver(Func<string, CancellationToken, Task<IPAddress[]>> lookup) : IUpstreamNameResolver
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _hosts = new();

    /// <summary>Completes when the first lookup starts.</summary>
    public Task Started => _started.Task;

    public IReadOnlyCollection<string> Hosts => _hosts;

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        _hosts.Enqueue(host);
        _started.TrySetResult();
        return lookup(host, cancellationToken);
    }
}
