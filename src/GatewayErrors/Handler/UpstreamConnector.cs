using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace GatewayErrors;

/// <summary>
/// A <see cref="SocketsHttpHandler.ConnectCallback"/> that owns the name lookup with its own deadline, then connects,
/// recording the phase of the attempt (<see cref="ConnectionPhase"/>) as it goes.
/// </summary>
/// <remarks>
/// <para>
/// On Linux, <see cref="SocketsHttpHandler.ConnectTimeout"/> does not interrupt a lookup that hangs: without this,
/// a stuck resolver shows up only when the whole request times out, indistinguishable from a slow upstream. Here the
/// lookup is bounded by the connect callback's token, which carries the app's <c>ConnectTimeout</c>, and by
/// <see cref="GatewayUpstreamOptions.NameResolutionTimeout"/>, whichever ends first: the lookup is abandoned when either
/// fires, even if the resolver ignores cancellation. A missed <c>NameResolutionTimeout</c> is reported as
/// <see cref="NameResolutionTimeoutException"/>, an elapsed <c>ConnectTimeout</c> as the runtime reports it; both are
/// classified <c>dns_timeout</c> because the phase was <see cref="ExchangePhase.Resolving"/>.
/// </para>
/// <para>
/// Connecting then works as the runtime's default does: a dual-mode socket for each resolved address in turn, with
/// Nagle off.
/// </para>
/// <para>
/// It also keeps the attempts of its handler in view (<see cref="SetupPhaseOfQueuedRequest"/>,
/// <see cref="SetupPhaseOfConnectTimeout"/>) for callers that see a request fail without its
/// <see cref="HttpRequestMessage"/>, such as YARP's forwarder: one table entry per connection, nothing per request.
/// </para>
/// </remarks>
internal sealed class UpstreamConnector
{
    private readonly IUpstreamNameResolver _resolver;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _resolveTimeout;
    private readonly Func<bool> _tracksTls;

    // Every attempt still setting up and every connection still open, and per endpoint the last attempt that ended
    // before its connection was ready. Written once per connection, read only when a request failed.
    private readonly ConcurrentDictionary<ConnectionPhase, byte> _open = new();
    private readonly ConcurrentDictionary<DnsEndPoint, ConnectionPhase> _lastFailedSetup = new();

    /// <param name="resolver">Resolves host names.</param>
    /// <param name="timeProvider">The clock of <paramref name="resolveTimeout"/>.</param>
    /// <param name="resolveTimeout">NameResolutionTimeout.</param>
    /// <param name="tracksTls">Whether the end of a TLS handshake will be reported (the plaintext filter is still ours).</param>
    private UpstreamConnector(IUpstreamNameResolver resolver, TimeProvider timeProvider, TimeSpan resolveTimeout, Func<bool> tracksTls)
    {
        _resolver = resolver;
        _timeProvider = timeProvider;
        _resolveTimeout = resolveTimeout;
        _tracksTls = tracksTls;
    }

    /// <summary>
    /// Gives <paramref name="handler"/> the connect callback, the plaintext filter that marks the end of TLS, and the
    /// certificate check observer, unless it already has a connect callback of its own (which is never replaced).
    /// </summary>
    /// <returns>Whether the connector was installed.</returns>
    public static bool Install(SocketsHttpHandler handler, IUpstreamNameResolver resolver, TimeProvider timeProvider, TimeSpan resolveTimeout)
    {
        if (handler.ConnectCallback is not null)
        {
            return false;
        }

        // The filter runs once TLS is done (for every connection, TLS or not): the end of the handshake phase. An app's
        // own filter still runs, after ours; one set later replaces ours, which the connector notices.
        var appFilter = handler.PlaintextStreamFilter;
        Func<SocketsHttpPlaintextStreamFilterContext, CancellationToken, ValueTask<Stream>> filter = (context, cancellationToken) =>
        {
            ConnectionPhase.Ready(context.PlaintextStream, context.InitialRequestMessage, context.NegotiatedHttpVersion);
            return appFilter?.Invoke(context, cancellationToken) ?? new ValueTask<Stream>(context.PlaintextStream);
        };
        handler.PlaintextStreamFilter = filter;

        // Certificate errors are recognised from the check itself, not from exception messages (which .NET localizes on
        // some platforms): the app's decision is kept and its outcome recorded.
        handler.SslOptions.RemoteCertificateValidationCallback = UpstreamStream.Observe(handler.SslOptions.RemoteCertificateValidationCallback);

        var connector = new UpstreamConnector(resolver, timeProvider, resolveTimeout, () => ReferenceEquals(handler.PlaintextStreamFilter, filter));
        handler.ConnectCallback = connector.ConnectAsync;
        return true;
    }

    /// <summary>The connector installed on <paramref name="handler"/>, if <see cref="Install"/> installed one.</summary>
    public static UpstreamConnector? InstalledOn(SocketsHttpHandler handler) => handler.ConnectCallback?.Target as UpstreamConnector;

    /// <summary>
    /// The phase a request to <paramref name="host"/>:<paramref name="port"/> that was cancelled while queued for a connection (its timeout
    /// fired before the pool gave it one) was waiting on: the oldest attempt still setting up a connection to it.
    /// </summary>
    /// <remarks>
    /// <para>
    /// SocketsHttpHandler queues a request that finds no free connection and starts attempts for queued requests: one
    /// per request for HTTP/1.1 (up to <c>MaxConnectionsPerServer</c>), one at a time for HTTP/2, whose other requests
    /// wait for that one. A queued request takes whichever connection is ready first, so it waits on every attempt
    /// under way, not on "its own": the oldest one, the attempt that has kept it waiting longest, names the wait. For
    /// HTTP/2 that is the only attempt.
    /// </para>
    /// <para>
    /// Returns <see langword="null"/> when nothing is being set up, and when a ready HTTP/2 connection to the endpoint
    /// exists (or the end of TLS cannot be seen): the request may then have been cancelled on that connection, which
    /// looks the same. An HTTP/1.1 request cancelled on its connection looks different (the cancellation wraps the
    /// aborted read), so ready HTTP/1.1 connections do not stand in the way.
    /// </para>
    /// </remarks>
    public ExchangePhase? SetupPhaseOfQueuedRequest(string host, int port)
    {
        if (!_tracksTls())
        {
            return null;
        }

        ConnectionPhase? oldest = null;
        foreach (var (attempt, _) in _open)
        {
            if (!Targets(attempt.EndPoint, host, port))
            {
                continue;
            }

            if (attempt.IsSettingUp)
            {
                oldest = oldest is null || attempt.Started < oldest.Started ? attempt : oldest;
            }
            else if (attempt.Multiplexed)
            {
                return null;
            }
        }

        return oldest?.Phase;
    }

    /// <summary>
    /// The phase the last attempt to the endpoint that ended before its connection was ready had reached: what an
    /// elapsed <c>ConnectTimeout</c> interrupted, as SocketsHttpHandler fails the request that started the attempt (and
    /// only that one) with it as soon as the attempt ends.
    /// </summary>
    public ExchangePhase? SetupPhaseOfConnectTimeout(string host, int port)
    {
        foreach (var (endPoint, attempt) in _lastFailedSetup)
        {
            if (Targets(endPoint, host, port))
            {
                return attempt.Phase;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="endPoint"/> (as SocketsHttpHandler gives it) is <paramref name="host"/>:<paramref name="port"/> (as a URI gives it).</summary>
    private static bool Targets(DnsEndPoint endPoint, string host, int port)
        => endPoint.Port == port && endPoint.Host.AsSpan().Trim("[]").Equals(host.AsSpan().Trim("[]"), StringComparison.OrdinalIgnoreCase);

    /// <summary>The attempt ended, or its connection closed: it no longer keeps anyone waiting.</summary>
    internal void Closed(ConnectionPhase attempt)
    {
        if (_open.TryRemove(attempt, out _) && attempt.IsSettingUp)
        {
            // Ended before the connection was ready: refused, timed out, TLS failed. Kept per endpoint, so the
            // table holds one entry per upstream address, however many attempts fail.
            _lastFailedSetup[attempt.EndPoint] = attempt;
        }
    }

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endPoint = context.DnsEndPoint;
        var request = context.InitialRequestMessage;
        var isLiteral = IPAddress.TryParse(endPoint.Host, out var literal);
        var phase = ConnectionPhase.Start(request, endPoint, isLiteral ? ExchangePhase.Connecting : ExchangePhase.Resolving);
        _open.TryAdd(phase, 0);
        var handedOver = false;
        try
        {
            IPAddress[] addresses;
            if (literal is not null)
            {
                addresses = [literal];
            }
            else
            {
                addresses = await ResolveAsync(endPoint.Host, cancellationToken).ConfigureAwait(false);
                phase.Enter(ExchangePhase.Connecting);
            }

            // Each address in turn, each with a socket of its own (one whose connect failed cannot be reused on every
            // platform), each connected to an IPEndPoint rather than through Socket.ConnectAsync(IPAddress[], …): that
            // overload's async layers add frames to every failure's stack trace, which the runtime then formats on each
            // failed request (the HttpClient activity records the exception), so a refused upstream answered thousands of
            // times a second pays for every frame. Here a failure carries the runtime's own connect frames plus this one.
            Socket socket;
            for (var i = 0; ; i++)
            {
                socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                var connected = false;
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(addresses[i], endPoint.Port), cancellationToken).ConfigureAwait(false);
                    connected = true;
                    break;
                }
                catch (SocketException) when (i < addresses.Length - 1 && !cancellationToken.IsCancellationRequested)
                {
                    // The next address may accept. The last failure propagates untouched: no catch and rethrow, which would
                    // cost the failure path a second exception dispatch.
                }
                finally
                {
                    if (!connected)
                    {
                        socket.Dispose();
                    }
                }
            }

            // SocketsHttpHandler runs the TLS handshake on the stream returned here, then hands the plaintext stream to its
            // filter, which marks the connection ready. Without that signal the handshake's end cannot be seen, so the
            // connection counts as ready at once rather than blaming TLS for a slow response.
            var tls = request?.RequestUri?.Scheme == Uri.UriSchemeHttps && _tracksTls();
            phase.Enter(tls ? ExchangePhase.TlsHandshake : ExchangePhase.ResponseHeaders);
            handedOver = true;
            return new UpstreamStream(socket, phase, this);
        }
        finally
        {
            // The attempt leaves the table here only when it failed (a finally, not a catch and rethrow, for the same
            // reason as above); a stream handed over leaves it when SocketsHttpHandler disposes it.
            if (!handedOver)
            {
                Closed(phase);
            }
        }
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_resolveTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var lookup = _resolver.ResolveAsync(host, linked.Token);
        try
        {
            // The system resolver cannot always stop a lookup (getaddrinfo on Linux runs to its own end): stop waiting
            // for it instead, so that the deadlines hold whatever the resolver does.
            var addresses = await lookup.WaitAsync(linked.Token).ConfigureAwait(false);
            if (addresses.Length == 0)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }

            return addresses;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Abandon(lookup);
            throw new NameResolutionTimeoutException(host, _resolveTimeout);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // ConnectTimeout elapsed, or the attempt was cancelled. SocketsHttpHandler reports a cancellation as
            // ConnectTimeout only when it carries the callback's own token; one from the linked source would be wrapped
            // as a connection error instead (connection_terminated for what was a DNS timeout).
            Abandon(lookup);
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    /// <summary>Observes an abandoned lookup's eventual fault, so that it never surfaces as an unobserved task exception.</summary>
    private static void Abandon(Task lookup)
    {
        if (!lookup.IsCompleted)
        {
            _ = lookup.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
