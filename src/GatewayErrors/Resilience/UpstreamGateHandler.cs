using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace GatewayErrors;

/// <summary>
/// Sits just inside <c>GatewayErrorsHandler</c>: refuses calls to an upstream that is isolated, in maintenance or behind
/// circuits that all reject, without contacting it, and, around a resilience handler that hedges, makes the call's
/// failure the last hedged attempt's.
/// </summary>
/// <remarks>
/// A call to an available upstream costs one volatile read (see <see cref="UpstreamStatus"/>); around a resilience
/// handler, also a pooled <see cref="ResilienceContext"/> on the request, which that handler would otherwise rent itself.
/// </remarks>
internal sealed class UpstreamGateHandler : DelegatingHandler
{
    private readonly UpstreamStatus _status;
    private readonly TimeProvider _timeProvider;
    private int _resilienceInside = -1;

    public UpstreamGateHandler(UpstreamStatus status, TimeProvider timeProvider)
    {
        _status = status;
        _timeProvider = timeProvider;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Refuse() is { } refused)
        {
            return Task.FromException<HttpResponseMessage>(refused);
        }

        return ResilienceInside() && request.GetResilienceContext() is null
            ? SendWithContextAsync(request, cancellationToken)
            : base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Refuse() is { } refused)
        {
            throw refused;
        }

        if (!ResilienceInside() || request.GetResilienceContext() is not null)
        {
            return base.Send(request, cancellationToken);
        }

        var context = Rent(request, cancellationToken);
        try
        {
            return base.Send(request, cancellationToken);
        }
        catch (Exception exception) when (LastHedgedFailure(context, exception) is { } last)
        {
            ExceptionDispatchInfo.Throw(last);
            throw;
        }
        finally
        {
            Return(request, context);
        }
    }

    private async Task<HttpResponseMessage> SendWithContextAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = Rent(request, cancellationToken);
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (LastHedgedFailure(context, exception) is { } last)
        {
            ExceptionDispatchInfo.Throw(last);
            throw;
        }
        finally
        {
            Return(request, context);
        }
    }

    private UpstreamFailureException? Refuse()
    {
        // The clock is read only when something may refuse: a read costs more than the rest of a healthy call.
        if (!_status.MayReject || !_status.IsUnavailable(_timeProvider.GetUtcNow(), out var retryAfter, out _))
        {
            return null;
        }

        return new UpstreamFailureException(UpstreamAvailability.Unavailable(_status.Name, retryAfter));
    }

    private static ResilienceContext Rent(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // The resilience handler uses a context it finds on the request and leaves it there, so the call's primary
        // context, and the hedged failure recorded in it, is still readable when the pipeline has finished.
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        request.SetResilienceContext(context);
        return context;
    }

    private static void Return(HttpRequestMessage request, ResilienceContext context)
    {
        request.SetResilienceContext(null);
        ResilienceContextPool.Shared.Return(context);
    }

    private static Exception? LastHedgedFailure(ResilienceContext context, Exception exception)
    {
        // The total timeout ends every attempt at once: it, not a cancelled attempt, is what happened.
        if (exception is TimeoutRejectedException || !context.Properties.TryGetValue(HedgedFailure.Key, out var failure))
        {
            return null;
        }

        return failure.Last is { } last && !ReferenceEquals(last, exception) ? last : null;
    }

    private bool ResilienceInside()
    {
        var inside = Volatile.Read(ref _resilienceInside);
        if (inside < 0)
        {
            // The chain is complete by the first call; it never changes for this handler instance.
            inside = 0;
            for (var handler = InnerHandler; handler is DelegatingHandler delegating; handler = delegating.InnerHandler)
            {
                if (delegating is ResilienceHandler)
                {
                    inside = 1;
                    break;
                }
            }

            Volatile.Write(ref _resilienceInside, inside);
        }

        return inside == 1;
    }
}
