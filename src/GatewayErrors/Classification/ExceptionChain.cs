namespace GatewayErrors;

/// <summary>The one walk down an exception's <see cref="Exception.InnerException"/> chain.</summary>
/// <remarks>
/// HttpClient, SocketsHttpHandler, Polly and app code each wrap what they caught, so the exception that says what
/// failed is rarely the outermost one. Every search here starts with the exception itself.
/// </remarks>
internal static class ExceptionChain
{
    /// <summary>The first exception of type <typeparamref name="T"/> in the chain, the exception itself included.</summary>
    public static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

    /// <summary>
    /// The failure GatewayErrors already attached to the chain: an <see cref="UpstreamFailureException"/> or an
    /// <see cref="UpstreamCanceledException"/>, however deeply HttpClient or app code wrapped it.
    /// </summary>
    public static UpstreamFailure? FindFailure(Exception? exception)
    {
        if (exception is AggregateException { InnerExceptions: [var single] })
        {
            exception = single;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case UpstreamFailureException failed:
                    return failed.Failure;
                case UpstreamCanceledException canceled:
                    return canceled.Failure;
            }
        }

        return null;
    }

    /// <summary>
    /// The exception whose message best names the cause: the first <see cref="TimeoutException"/> (its message says
    /// which timeout elapsed, while the exceptions under it only say "operation canceled") or Polly rejection in the
    /// chain, otherwise the innermost one.
    /// </summary>
    public static Exception? Cause(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            // An open circuit's BrokenCircuitException wraps the failure that opened it; the entry is about the
            // circuit, so say so rather than repeat an older connection error.
            if (current is TimeoutException or Polly.ExecutionRejectedException)
            {
                return current;
            }
        }

        while (exception?.InnerException is { } inner && exception is not AggregateException)
        {
            exception = inner;
        }

        return exception;
    }
}
