using System.Runtime.CompilerServices;

namespace GatewayErrors;

/// <summary>
/// How far one connection attempt has got (resolving, connecting, TLS, ready), kept for the request that started it so
/// that a timeout can be named by the phase it interrupted.
/// </summary>
/// <remarks>
/// <para>
/// Written by <see cref="UpstreamConnector"/> (SocketsHttpHandler's connect callback) and by the plaintext stream filter
/// that SocketsHttpHandler calls once TLS is done; read by the handler only when a call failed. A successful call on a
/// pooled connection never touches it, so tracking costs the success path nothing; a new connection pays one small
/// object and one table entry, next to a TCP (and TLS) handshake.
/// </para>
/// <para>
/// It is keyed by <see cref="SocketsHttpConnectionContext.InitialRequestMessage"/> in a
/// <see cref="ConditionalWeakTable{TKey, TValue}"/>, not in <see cref="HttpRequestMessage.Options"/>: the connect
/// callback may still be writing while a timed-out call reads, and the table is safe for that and lets the entry die
/// with the request.
/// </para>
/// </remarks>
internal sealed class ConnectionPhase
{
    private static readonly ConditionalWeakTable<HttpRequestMessage, ConnectionPhase> ByRequest = new();

    private int _phase;

    private ConnectionPhase(ExchangePhase phase) => _phase = (int)phase;

    /// <summary>Gets the phase the connection attempt is in.</summary>
    public ExchangePhase Phase => (ExchangePhase)Volatile.Read(ref _phase);

    /// <summary>Starts tracking the connection attempt started for <paramref name="request"/>.</summary>
    public static ConnectionPhase Start(HttpRequestMessage? request, ExchangePhase phase)
    {
        var tracker = new ConnectionPhase(phase);
        if (request is not null)
        {
            ByRequest.AddOrUpdate(request, tracker);
        }

        return tracker;
    }

    /// <summary>Marks the connection of <paramref name="request"/> as ready: TLS, if any, is done.</summary>
    public static void Ready(HttpRequestMessage? request)
    {
        if (request is not null && ByRequest.TryGetValue(request, out var tracker))
        {
            tracker.Enter(ExchangePhase.ResponseHeaders);
        }
    }

    /// <summary>
    /// The phase a failed call of the handler was in: its connection attempt's, or, when it started none (a pooled
    /// connection), waiting for the response headers.
    /// </summary>
    public static ExchangePhase Of(HttpRequestMessage request)
        => ByRequest.TryGetValue(request, out var tracker) ? tracker.Phase : ExchangePhase.ResponseHeaders;

    public void Enter(ExchangePhase phase) => Volatile.Write(ref _phase, (int)phase);
}
