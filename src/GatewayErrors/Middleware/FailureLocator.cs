namespace GatewayErrors;

/// <summary>
/// Finds the upstream failure behind an exception that reached the middleware, or decides there is none.
/// </summary>
internal static class FailureLocator
{
    public static UpstreamFailure? Find(Exception exception)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        // The handler's exception, possibly wrapped by HttpClient (it turns failures during a cancelled request
        // into cancellations) or by app code.
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is UpstreamFailureException upstream)
            {
                return upstream.Failure;
            }
        }

        if (exception is OperationCanceledException)
        {
            // Not the client (the middleware checked RequestAborted first): HttpClient.Timeout fired, or the app's
            // own deadline cancelled the call. Either way the upstream did not answer in time.
            if (UpstreamFailureData.Find(exception) is { } noted)
            {
                return noted;
            }

            return FailureClassifier.FindInner<TimeoutException>(exception) is not null
                ? new UpstreamFailure(null, GatewayErrorType.HttpResponseTimeout) { Exception = exception }
                : null;
        }

        // Best effort for calls that did not go through the handler: classify what .NET or Polly threw.
        if (FailureClassifier.TryClassify(exception, ExchangePhase.Unknown, out var type, out var retryAfter))
        {
            return new UpstreamFailure(null, type)
            {
                Exception = exception,
                RetryAfter = retryAfter,
                ReceivedStatusCode = FailureClassifier.ReceivedStatus(exception),
            };
        }

        return null;
    }
}
