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
/// </remarks>
internal sealed class UpstreamConnector
{
    private readonly IUpstreamNameResolver _resolver;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _resolveTimeout;
    private readonly Func<bool> _tracksTls;

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
            ConnectionPhase.Ready(context.InitialRequestMessage);
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

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endPoint = context.DnsEndPoint;
        var request = context.InitialRequestMessage;
        IPAddress[] addresses;
        ConnectionPhase phase;
        if (IPAddress.TryParse(endPoint.Host, out var literal))
        {
            phase = ConnectionPhase.Start(request, ExchangePhase.Connecting);
            addresses = [literal];
        }
        else
        {
            phase = ConnectionPhase.Start(request, ExchangePhase.Resolving);
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
        return new UpstreamStream(socket, phase);
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
