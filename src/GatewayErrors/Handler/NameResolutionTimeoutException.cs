using System.Net.Sockets;

namespace GatewayErrors;

/// <summary>
/// Thrown by <see cref="UpstreamConnector"/> when a name lookup outlives its deadline.
/// </summary>
/// <remarks>
/// It is a <see cref="SocketException"/> with <see cref="SocketError.TryAgain"/>, the code the resolver itself uses
/// for a lookup that did not finish, so SocketsHttpHandler reports it as a name resolution error. Its own type lets
/// the classifier tell a timeout apart from a name that does not exist, which on Linux can also read TryAgain.
/// </remarks>
internal sealed class NameResolutionTimeoutException : SocketException
{
    public NameResolutionTimeoutException(string host, TimeSpan timeout)
        : base((int)SocketError.TryAgain)
    {
        Host = host;
        Timeout = timeout;
    }

    public string Host { get; }

    public TimeSpan Timeout { get; }

    public override string Message => $"Resolving '{Host}' did not finish within {Timeout.TotalMilliseconds:0} ms.";
}
