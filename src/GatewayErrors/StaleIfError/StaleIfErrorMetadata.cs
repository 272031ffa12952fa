using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace GatewayErrors;

/// <summary>
/// Marks an endpoint that keeps its last good response (<c>WithStaleIfError</c>), and holds the endpoint's state:
/// its hold-down after an upstream failure and what its responses vary on.
/// </summary>
internal sealed class StaleIfErrorMetadata(TimeSpan maxStale)
{
    private long _holdDownUntil;
    private long _nextProbeAt;
    private UpstreamFailure? _lastFailure;
    private string[] _varyHeaders = [];
    private string? _routeName;
    private int _oversizeLogged;

    public TimeSpan MaxStale { get; } = maxStale;

    /// <summary>The request headers the endpoint's last kept response varied on, lower case and sorted.</summary>
    public string[] VaryHeaders
    {
        get => Volatile.Read(ref _varyHeaders);
        set => Volatile.Write(ref _varyHeaders, value);
    }

    /// <summary>The failure that started the current hold-down, named in the Proxy-Status of copies served during it.</summary>
    public UpstreamFailure? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>The name the endpoint's settings are found under: its endpoint name, else its route pattern.</summary>
    public string RouteName(HttpContext context)
        => _routeName ??= context.GetEndpoint() switch
        {
            { } endpoint when endpoint.Metadata.GetMetadata<IEndpointNameMetadata>() is { } name => name.EndpointName,
            RouteEndpoint route => route.RoutePattern.RawText ?? string.Empty,
            { } endpoint => endpoint.DisplayName ?? string.Empty,
            null => string.Empty,
        };

    /// <summary>
    /// Whether a request arriving at <paramref name="now"/> should be answered from a copy without calling the upstream:
    /// true during a hold-down, except for one request per probe interval, which goes through to find out whether
    /// the upstream is back.
    /// </summary>
    public bool IsHeldDown(long now, long probeTicks)
    {
        var until = Volatile.Read(ref _holdDownUntil);
        if (until == 0 || now >= until)
        {
            return false;
        }

        var probeAt = Volatile.Read(ref _nextProbeAt);
        return now < probeAt || Interlocked.CompareExchange(ref _nextProbeAt, now + probeTicks, probeAt) != probeAt;
    }

    /// <summary>The route's upstream failed: hold down from now.</summary>
    public void Failed(UpstreamFailure failure, long now, long holdDownTicks, long probeTicks)
    {
        Volatile.Write(ref _lastFailure, failure);
        if (holdDownTicks <= 0)
        {
            return;
        }

        Volatile.Write(ref _nextProbeAt, now + probeTicks);
        Volatile.Write(ref _holdDownUntil, now + holdDownTicks);
    }

    /// <summary>The upstream answered: a fresh success ends the hold-down at once.</summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref _holdDownUntil) != 0)
        {
            Volatile.Write(ref _holdDownUntil, 0);
        }
    }

    /// <summary>True the first time only: an oversized response is logged once per endpoint, not once per request.</summary>
    public bool FirstOversize() => Interlocked.Exchange(ref _oversizeLogged, 1) == 0;
}
