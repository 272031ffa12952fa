namespace GatewayErrors;

/// <summary>Endpoint metadata naming the upstreams an endpoint calls.</summary>
internal sealed class GatewayUpstreamMetadata(string[] upstreams)
{
    private Resolved? _resolved;

    public string[] Upstreams { get; } = upstreams;

    /// <summary>The upstreams' status objects, looked up once: an endpoint belongs to one app, and so to one set of circuits.</summary>
    public UpstreamStatus[] Resolve(UpstreamCircuits circuits)
    {
        var resolved = Volatile.Read(ref _resolved);
        if (resolved is null || !ReferenceEquals(resolved.Circuits, circuits))
        {
            resolved = new Resolved(circuits, [.. Upstreams.Select(circuits.Get)]);
            Volatile.Write(ref _resolved, resolved);
        }

        return resolved.Statuses;
    }

    private sealed record Resolved(UpstreamCircuits Circuits, UpstreamStatus[] Statuses);
}
