using System.Net.Sockets;
using Grpc.Core;

namespace GatewayErrors.Grpc;

/// <summary>
/// Recognises a failed call to a gRPC upstream in the <see cref="RpcException"/> Grpc.Net.Client throws, and leaves a
/// status the upstream itself sent to the app.
/// </summary>
/// <remarks>
/// <para>The rule, in order (docs/grpc.md says it for users):</para>
/// <list type="number">
/// <item><c>DEADLINE_EXCEEDED</c> that the client made itself: the call's deadline ran out before the upstream answered.
/// That is <see cref="GatewayErrorType.HttpResponseTimeout"/>, whichever way the client noticed: by its own timer (no
/// debug exception, and no trailers from a response: Grpc.Net.Client then passes the shared <see cref="Metadata.Empty"/>),
/// or from the reset stream the passing deadline caused (a debug exception). The handler's failure, when it was in the
/// chain, still names the upstream.</item>
/// <item>Any other status the client made from a local exception (<see cref="Status.DebugException"/>: refused, reset,
/// DNS, TLS, <c>HttpClient.Timeout</c>): the exception is classified like any other. With <c>AddGatewayErrorsHandler()</c>
/// on the gRPC client it is already the handler's failure; without it, the classifier reads the transport exception (a
/// bare <see cref="SocketException"/> from Grpc.Net.Client's own connect is the upstream's connection).</item>
/// <item>Everything else is a status the upstream sent (its <c>grpc-status</c>): its answer, not a gateway failure.</item>
/// </list>
/// </remarks>
internal sealed class RpcExceptionTranslator : IUpstreamFailureTranslator
{
    public UpstreamFailure? Translate(Exception exception)
    {
        if (exception is AggregateException { InnerExceptions: [var single] })
        {
            exception = single;
        }

        if (ExceptionChain.Find<RpcException>(exception) is not { } rpc)
        {
            return null;
        }

        var debug = rpc.Status.DebugException;
        if (rpc.StatusCode == StatusCode.DeadlineExceeded && (debug is not null || ReferenceEquals(rpc.Trailers, Metadata.Empty)))
        {
            var handled = ExceptionChain.FindFailure(debug);
            return FailureFactory.Create(handled?.Upstream, new(GatewayErrorType.HttpResponseTimeout), rpc, handled?.Elapsed, handled?.NextHop);
        }

        if (debug is null)
        {
            return null;
        }

        if (FailureLocator.Find(debug) is { } failure)
        {
            return failure;
        }

        // Grpc.Net.Client's own connection (its subchannel, used when no handler of ours owns the connection) reports a
        // refused or unreachable upstream as the bare SocketException of its connect: inside a call, only its upstream.
        return ExceptionChain.Find<SocketException>(debug) is { } socket && FailureClassifier.TryClassify(socket, ExchangePhase.Connecting, out var classification)
            ? FailureFactory.Create(upstream: null, classification, debug)
            : null;
    }
}
