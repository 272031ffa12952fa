using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace GatewayErrors.Yarp;

/// <summary>
/// The core's connector behind each cluster's client, so that the failure path can ask it how far the connection to
/// the destination had got: YARP keeps the request message of a failed call to itself, and the answer must not cost the
/// calls that succeed anything.
/// </summary>
/// <remarks>
/// Keyed by the client YARP holds for the cluster (<see cref="ClusterModel.HttpClient"/>), which a configuration change
/// replaces: an entry lives exactly as long as its client.
/// </remarks>
internal sealed class ClusterConnectors
{
    private readonly ConditionalWeakTable<HttpMessageInvoker, UpstreamConnector> _byClient = new();

    public void Add(HttpMessageInvoker client, UpstreamConnector connector) => _byClient.AddOrUpdate(client, connector);

    /// <summary>
    /// The connection phase a cancelled call was stuck in when it never had a connection: the phase an elapsed
    /// <c>ConnectTimeout</c> interrupted, or the one the attempts were in while the call waited in the pool's queue
    /// until YARP's activity timeout, a route timeout or the app's token ended it.
    /// </summary>
    /// <returns><see langword="null"/> when the call had a connection, or when the cluster's client has no connector of ours.</returns>
    /// <remarks>
    /// SocketsHttpHandler ends such a call in one of two shapes (pinned by <c>ConnectionPhaseTests</c>): the elapsed
    /// <c>ConnectTimeout</c> as a cancellation over a <see cref="TimeoutException"/>, sent to the call that started the
    /// attempt; a timer of the call's own as a bare cancellation from the queue. A call cancelled on its HTTP/1.1
    /// connection carries the aborted read as the inner exception, and is not named here.
    /// </remarks>
    public ExchangePhase? SetupPhase(IReverseProxyFeature? proxy, ForwarderError error, Exception? exception)
    {
        if (!ForwarderVerdicts.MayWaitForConnection(error)
            || exception is not OperationCanceledException canceled
            || proxy?.Cluster?.HttpClient is not { } client
            || !_byClient.TryGetValue(client, out var connector)
            || !Uri.TryCreate(proxy.ProxiedDestination?.Model?.Config.Address, UriKind.Absolute, out var destination))
        {
            return null;
        }

        var phase = canceled.InnerException switch
        {
            null => connector.SetupPhaseOfQueuedRequest(destination.IdnHost, destination.Port),
            TimeoutException => connector.SetupPhaseOfConnectTimeout(destination.IdnHost, destination.Port),
            _ => null,
        };
        return phase is ExchangePhase.Resolving or ExchangePhase.Connecting or ExchangePhase.TlsHandshake ? phase : null;
    }
}
