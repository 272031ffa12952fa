using System.Diagnostics;
using System.Net;
using System.Net.Security;
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
    private int _certificate;
    private int _certificateErrors;
    private int _multiplexed;

    private ConnectionPhase(DnsEndPoint endPoint, ExchangePhase phase)
    {
        EndPoint = endPoint;
        Started = Stopwatch.GetTimestamp();
        _phase = (int)phase;
    }

    /// <summary>Gets the host and port the attempt connects to: the connection pool it belongs to.</summary>
    public DnsEndPoint EndPoint { get; }

    /// <summary>Gets when the attempt started (a <see cref="Stopwatch"/> timestamp), to tell older attempts from newer ones.</summary>
    public long Started { get; }

    /// <summary>
    /// Gets whether the connection, once ready, carries several requests at once (HTTP/2): a request that timed out
    /// may then have been waiting on it rather than for a connection.
    /// </summary>
    public bool Multiplexed => Volatile.Read(ref _multiplexed) != 0;

    /// <summary>Gets the phase the connection attempt is in.</summary>
    public ExchangePhase Phase => (ExchangePhase)Volatile.Read(ref _phase);

    /// <summary>Gets what the TLS certificate check decided, when it ran through GatewayErrors' validation callback.</summary>
    public CertificateVerdict Certificate => (CertificateVerdict)Volatile.Read(ref _certificate);

    /// <summary>Gets the <see cref="SslPolicyErrors"/> the runtime reported to the certificate check.</summary>
    public SslPolicyErrors CertificateErrors => (SslPolicyErrors)Volatile.Read(ref _certificateErrors);

    /// <summary>Starts tracking the connection attempt to <paramref name="endPoint"/> started for <paramref name="request"/>.</summary>
    public static ConnectionPhase Start(HttpRequestMessage? request, DnsEndPoint endPoint, ExchangePhase phase)
    {
        var tracker = new ConnectionPhase(endPoint, phase);
        if (request is not null)
        {
            ByRequest.AddOrUpdate(request, tracker);
        }

        return tracker;
    }

    /// <summary>
    /// Marks the connection as ready (TLS, if any, is done): the attempt whose stream <paramref name="plaintext"/> is, or
    /// else the one <paramref name="request"/> started.
    /// </summary>
    /// <param name="plaintext">The stream SocketsHttpHandler hands to its plaintext filter.</param>
    /// <param name="request">The request that started the connection attempt.</param>
    /// <param name="version">The HTTP version the connection speaks (negotiated by ALPN, or the request's for plain text).</param>
    /// <remarks>
    /// The stream says which attempt it was even when one request started two (a retry on a new connection); the
    /// request is the fallback for a stream wrapped by something else.
    /// </remarks>
    public static void Ready(Stream plaintext, HttpRequestMessage? request, Version version)
    {
        var tracker = UpstreamStream.Of(plaintext)?.Phase;
        if (tracker is null && (request is null || !ByRequest.TryGetValue(request, out tracker)))
        {
            return;
        }

        if (version.Major >= 2)
        {
            Volatile.Write(ref tracker._multiplexed, 1);
        }

        tracker.Enter(ExchangePhase.ResponseHeaders);
    }

    /// <summary>Gets whether the attempt is still setting the connection up (resolving, connecting, TLS).</summary>
    public bool IsSettingUp => Phase is ExchangePhase.Resolving or ExchangePhase.Connecting or ExchangePhase.TlsHandshake;

    /// <summary>The connection attempt <paramref name="request"/> started, if it started one (not when it reused a pooled connection).</summary>
    public static ConnectionPhase? Find(HttpRequestMessage request) => ByRequest.TryGetValue(request, out var tracker) ? tracker : null;

    public void Enter(ExchangePhase phase) => Volatile.Write(ref _phase, (int)phase);

    /// <summary>Records the outcome of the certificate check: the app's (or the default) decision and what the runtime found.</summary>
    public void CertificateChecked(bool accepted, SslPolicyErrors errors)
    {
        Volatile.Write(ref _certificateErrors, (int)errors);
        Volatile.Write(ref _certificate, (int)(accepted ? CertificateVerdict.Accepted : CertificateVerdict.Rejected));
    }
}

/// <summary>What the TLS certificate check of a connection decided, as far as GatewayErrors saw it.</summary>
internal enum CertificateVerdict
{
    /// <summary>Not seen: no TLS, the handshake did not get that far, or the validation callback is not GatewayErrors'.</summary>
    Unknown,

    /// <summary>The certificate was accepted (by the default check or the app's callback).</summary>
    Accepted,

    /// <summary>The certificate was rejected: a failed handshake is then a certificate error.</summary>
    Rejected,
}

