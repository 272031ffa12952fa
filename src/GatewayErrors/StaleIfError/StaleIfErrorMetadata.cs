using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace GatewayErrors;

/// <summary>
/// Marks an endpoint that keeps its last good response (<c>WithStaleIfError</c>), and holds the endpoint's state:
/// its hold-downs after an upstream failure (of the whole route, or of one URL) and what its responses vary on.
/// </summary>
internal sealed class StaleIfErrorMetadata(TimeSpan maxStale)
{
    // What the hold-down remembers per URL; past it, it starts over.
    private const int MaxHeldUrls = 10_000;

    private readonly HoldDown _route = new();
    private readonly ConcurrentDictionary<string, HoldDown> _urls = new(StringComparer.Ordinal);
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
    /// The failure whose hold-down covers this URL at <paramref name="now"/>, so that the request is answered from a copy
    /// without calling the upstream; null when the upstream should be called. During a hold-down one request per probe
    /// interval still goes through, to find out whether the upstream is back.
    /// </summary>
    public UpstreamFailure? HeldDownFor(string key, long now, long probeTicks)
    {
        if (_route.IsHeld(now, probeTicks))
        {
            return _route.Failure;
        }

        return _urls.TryGetValue(key, out var url) && url.IsHeld(now, probeTicks) ? url.Failure : null;
    }

    /// <summary>
    /// The upstream failed for the URL <paramref name="key"/>: hold down what the failure says is down. A failure to reach
    /// the upstream at all (its name, its address, the connection, TLS, an open circuit) holds down every URL of the
    /// route; a failure of one exchange (no timely response, a server error, a broken body) holds down that URL only,
    /// so a URL whose upstream answers is never served stale because another URL failed.
    /// </summary>
    public void Failed(UpstreamFailure failure, string key, long now, long holdDownTicks, long probeTicks)
    {
        if (holdDownTicks <= 0)
        {
            return;
        }

        if (IsUpstreamDown(failure))
        {
            _route.Hold(failure, now, holdDownTicks, probeTicks);
            return;
        }

        if (_urls.Count >= MaxHeldUrls)
        {
            // Bounded, whatever a flood of failing URLs: forgetting a hold-down only means asking the upstream again.
            _urls.Clear();
        }

        _urls.GetOrAdd(key, static _ => new HoldDown()).Hold(failure, now, holdDownTicks, probeTicks);
    }

    /// <summary>The upstream answered the URL <paramref name="key"/> completely: it is up, and its hold-downs end at once.</summary>
    public void Succeeded(string key)
    {
        _route.End();
        if (!_urls.IsEmpty)
        {
            _urls.TryRemove(key, out _);
        }
    }

    /// <summary>Whether a failure says the upstream itself cannot be reached, rather than that one exchange with it failed.</summary>
    internal static bool IsUpstreamDown(UpstreamFailure failure)
        => failure.ReceivedStatusCode is null && failure.ErrorType switch
        {
            GatewayErrorType.DnsError or GatewayErrorType.DnsTimeout or GatewayErrorType.DestinationIpUnroutable or GatewayErrorType.ConnectionRefused
                or GatewayErrorType.ConnectionTimeout or GatewayErrorType.TlsProtocolError or GatewayErrorType.TlsCertificateError
                or GatewayErrorType.DestinationUnavailable or GatewayErrorType.ConnectionLimitReached => true,
            _ => false,
        };

    /// <summary>True the first time only: an oversized response is logged once per endpoint, not once per request.</summary>
    public bool FirstOversize() => Interlocked.Exchange(ref _oversizeLogged, 1) == 0;

    /// <summary>One hold-down: until when, the next probe, and the failure named by the copies served during it.</summary>
    private sealed class HoldDown
    {
        private long _until;
        private long _nextProbeAt;
        private UpstreamFailure? _failure;

        public UpstreamFailure? Failure => Volatile.Read(ref _failure);

        public bool IsHeld(long now, long probeTicks)
        {
            var until = Volatile.Read(ref _until);
            if (until == 0 || now >= until)
            {
                return false;
            }

            var probeAt = Volatile.Read(ref _nextProbeAt);
            return now < probeAt || Interlocked.CompareExchange(ref _nextProbeAt, now + probeTicks, probeAt) != probeAt;
        }

        public void Hold(UpstreamFailure failure, long now, long holdDownTicks, long probeTicks)
        {
            Volatile.Write(ref _failure, failure);
            Volatile.Write(ref _nextProbeAt, now + probeTicks);
            Volatile.Write(ref _until, now + holdDownTicks);
        }

        public void End()
        {
            if (Volatile.Read(ref _until) != 0)
            {
                Volatile.Write(ref _until, 0);
            }
        }
    }
}
