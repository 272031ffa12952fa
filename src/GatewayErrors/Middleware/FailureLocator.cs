namespace GatewayErrors;

/// <summary>
/// Finds the upstream failure behind an exception that reached the middleware, or decides there is none.
/// </summary>
internal static class FailureLocator
{
    public static UpstreamFailure? Find(Exception exception)
    {
        // The handler's failure, possibly wrapped by HttpClient (it turns failures during a cancelled request into
        // cancellations, and a timeout into a TaskCanceledException over a TimeoutException) or by app code.
        if (ExceptionChain.FindFailure(exception) is { } failure)
        {
            return failure;
        }

        if (exception is AggregateException { InnerExceptions: [var single] })
        {
            exception = single;
        }

        // Best effort for calls that did not go through the handler: classify what .NET or Polly threw. Outside the
        // handler a cancellation is only a failure when a timeout caused it (HttpClient.Timeout's TimeoutException);
        // the middleware has already ruled out the client going away.
        return FailureClassifier.TryClassify(exception, ExchangePhase.Unknown, out var classification)
            ? FailureFactory.Create(upstream: null, classification, exception)
            : null;
    }
}
