using System.Runtime.ExceptionServices;
using Polly;

namespace GatewayErrors;

/// <summary>
/// Runs each call through its upstream's shared <see cref="UpstreamPipeline"/> and turns the pipeline's own verdicts
/// (timeouts, open or isolated circuit) into an <see cref="UpstreamFailureException"/> naming the upstream.
/// </summary>
/// <remarks>
/// The pipeline's outcome is read with <c>ExecuteOutcomeAsync</c>, so an open circuit throws once, here, rather than
/// inside Polly and again here. Other exceptions pass through unchanged for <c>GatewayErrorsHandler</c> (or the
/// middleware) to classify: the failure is classified in one place whichever order the two handlers were added in.
/// </remarks>
internal sealed class GatewayResilienceHandler : DelegatingHandler
{
    private readonly string _upstream;
    private readonly UpstreamResilience _resilience;
    private readonly TimeProvider _timeProvider;
    private readonly GatewayErrorsMetrics _metrics;

    public GatewayResilienceHandler(string upstream, UpstreamResilience resilience, TimeProvider timeProvider, GatewayErrorsMetrics metrics)
    {
        _upstream = upstream;
        _resilience = resilience;
        _timeProvider = timeProvider;
        _metrics = metrics;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var pipeline = _resilience.GetOrCreate(_upstream).Pipeline;
        var started = _timeProvider.GetTimestamp();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(UpstreamPipeline.RequestKey, request);
        Outcome<HttpResponseMessage> outcome;
        try
        {
            outcome = await pipeline.ExecuteOutcomeAsync(
                static async (context, state) =>
                {
                    try
                    {
                        return Outcome.FromResult(await state.Handler.SendInnerAsync(state.Request, context.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception exception)
                    {
                        return Outcome.FromException<HttpResponseMessage>(exception);
                    }
                },
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        return Complete(outcome, request, started);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var pipeline = _resilience.GetOrCreate(_upstream).Pipeline;
        var started = _timeProvider.GetTimestamp();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(UpstreamPipeline.RequestKey, request);
        Outcome<HttpResponseMessage> outcome;
        try
        {
            outcome = Outcome.FromResult(pipeline.Execute(
                static (context, state) => state.Handler.SendInner(state.Request, context.CancellationToken),
                context,
                (Handler: this, Request: request)));
        }
        catch (Exception exception)
        {
            outcome = Outcome.FromException<HttpResponseMessage>(exception);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        return Complete(outcome, request, started);
    }

    private Task<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => base.SendAsync(request, cancellationToken);

    private HttpResponseMessage SendInner(HttpRequestMessage request, CancellationToken cancellationToken)
        => base.Send(request, cancellationToken);

    private HttpResponseMessage Complete(Outcome<HttpResponseMessage> outcome, HttpRequestMessage request, long started)
    {
        var elapsed = _timeProvider.GetElapsedTime(started);
        if (outcome.Exception is not { } exception)
        {
            var response = outcome.Result!;
            _metrics.RecordCallDuration(_upstream, elapsed.TotalSeconds, (int)response.StatusCode, errorType: null);
            return response;
        }

        // Only the pipeline's own verdicts (timeouts, an open or isolated circuit, a rejection) are named here; any other
        // exception passes through for GatewayErrorsHandler or the middleware, so it is classified once.
        if (exception is not ExecutionRejectedException
            || !FailureClassifier.TryClassify(exception, ExchangePhase.ResponseHeaders, out var classification))
        {
            var errorType = FailureClassifier.TryClassify(exception, ExchangePhase.ResponseHeaders, out var other)
                ? ErrorTaxonomy.Get(other.ErrorType).Name
                : exception.GetType().FullName;
            _metrics.RecordCallDuration(_upstream, elapsed.TotalSeconds, statusCode: null, errorType);
            ExceptionDispatchInfo.Throw(exception);
            return null!;
        }

        _metrics.RecordCallDuration(_upstream, elapsed.TotalSeconds, statusCode: null, ErrorTaxonomy.Get(classification.ErrorType).Name);
        var failure = FailureFactory.Create(_upstream, classification, exception, elapsed, request.RequestUri?.Authority);
        throw new UpstreamFailureException(failure, exception);
    }
}
