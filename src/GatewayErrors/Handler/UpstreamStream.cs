using System.Net.Security;
using System.Net.Sockets;
using System.Reflection;

namespace GatewayErrors;

/// <summary>
/// The connection stream <see cref="UpstreamConnector"/> hands to SocketsHttpHandler: a plain <see cref="NetworkStream"/>
/// that also knows its connection attempt, so the certificate check can report to it.
/// </summary>
/// <remarks>
/// It overrides nothing but <see cref="Dispose(bool)"/>, so reads and writes cost exactly what a
/// <see cref="NetworkStream"/>'s do. Disposing it tells the connector the connection is gone.
/// </remarks>
internal sealed class UpstreamStream(Socket socket, ConnectionPhase phase, UpstreamConnector connector) : NetworkStream(socket, ownsSocket: true)
{
    // SocketsHttpHandler calls SslOptions.RemoteCertificateValidationCallback with the SslStream as sender (not the
    // request, which only HttpClientHandler's callback gets). The stream under it is the one returned by the connect
    // callback: AuthenticatedStream.InnerStream, protected, so read through a delegate made once.
    private static readonly Func<AuthenticatedStream, Stream> InnerStreamOf = typeof(AuthenticatedStream)
        .GetProperty("InnerStream", BindingFlags.Instance | BindingFlags.NonPublic)!.GetMethod!
        .CreateDelegate<Func<AuthenticatedStream, Stream>>();

    public ConnectionPhase Phase { get; } = phase;

    /// <summary>The connector's stream under <paramref name="stream"/>: the stream itself, or the one under its TLS.</summary>
    public static UpstreamStream? Of(Stream stream)
        => stream as UpstreamStream ?? (stream is AuthenticatedStream tls ? InnerStreamOf(tls) as UpstreamStream : null);

    protected override void Dispose(bool disposing)
    {
        // SocketsHttpHandler disposes the stream when the connection closes, and when TLS over it failed.
        connector.Closed(Phase);
        base.Dispose(disposing);
    }

    /// <summary>
    /// Wraps the app's certificate validation callback, or the default check when there is none, so that its decision
    /// stays exactly what it was and the outcome is recorded on the connection attempt.
    /// </summary>
    public static RemoteCertificateValidationCallback Observe(RemoteCertificateValidationCallback? appValidation)
        => (sender, certificate, chain, errors) =>
        {
            // The default check, when the app has none: SslStream accepts a certificate with no policy errors.
            var accepted = appValidation?.Invoke(sender, certificate, chain, errors) ?? errors == SslPolicyErrors.None;
            if (sender is AuthenticatedStream tls && Of(tls) is { } upstream)
            {
                upstream.Phase.CertificateChecked(accepted, errors);
            }

            return accepted;
        };
}
