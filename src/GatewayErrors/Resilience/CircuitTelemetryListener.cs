using System.Runtime.CompilerServices;
using Polly;
using Polly.CircuitBreaker;
using Polly.Hedging;
using Polly.Telemetry;

namespace GatewayErrors;

/// <summary>
/// Watches every resilience pipeline the app builds through dependency injection (Microsoft.Extensions.Http.Resilience's
/// handlers and any <c>AddResiliencePipeline</c>), through Polly.Extensions' <see cref="TelemetryOptions.TelemetryListeners"/>.
/// </summary>
/// <remarks>
/// <para>
/// Why telemetry rather than the breakers' <c>StateProvider</c> or <c>ManualControl</c>: a listener sees every pipeline
/// without the app passing anything, including breakers the app configured itself in <c>AddResilienceHandler</c>, and
/// <c>OnCircuitOpened</c> carries the break duration, which no state provider tells. A state provider also cannot
/// watch a pipeline selected per authority: each authority's instance needs its own, and one instance of
/// <c>CircuitBreakerStateProvider</c> refuses a second breaker.
/// </para>
/// <para>
/// Polly calls the listener for every event of every pipeline, an attempt on every call among them, so each branch
/// is chosen by comparing the event arguments' type with a type, which the JIT folds away per instantiation: the
/// events this listener ignores cost nothing.
/// </para>
/// </remarks>
internal sealed class CircuitTelemetryListener(UpstreamCircuits circuits) : TelemetryListener
{
    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        if (typeof(TArgs) == typeof(PipelineExecutingArguments))
        {
            // Every call: only pipelines selected per authority (an instance name) are noted, once per authority.
            if (!string.IsNullOrEmpty(args.Source.PipelineInstanceName))
            {
                circuits.OnInstanceExecuting(args.Source);
            }
        }
        else if (typeof(TArgs) == typeof(OnCircuitOpenedArguments<HttpResponseMessage>))
        {
            var opened = As<TArgs, OnCircuitOpenedArguments<HttpResponseMessage>>(args.Arguments);
            circuits.OnOpened(args.Source, opened.BreakDuration, opened.IsManual);
        }
        else if (typeof(TArgs) == typeof(OnCircuitHalfOpenedArguments))
        {
            circuits.OnHalfOpened(args.Source);
        }
        else if (typeof(TArgs) == typeof(OnCircuitClosedArguments<HttpResponseMessage>))
        {
            circuits.OnClosed(args.Source);
        }
        else if (typeof(TArgs) == typeof(OnHedgingArguments<HttpResponseMessage>))
        {
            HedgedFailure.OnHedging(As<TArgs, OnHedgingArguments<HttpResponseMessage>>(args.Arguments));
        }
        else if (typeof(TArgs) == typeof(ExecutionAttemptArguments) && typeof(TResult) == typeof(HttpResponseMessage))
        {
            var attempt = As<TArgs, ExecutionAttemptArguments>(args.Arguments);
            if (attempt.Handled && args.Outcome is { Exception: { } exception })
            {
                HedgedFailure.OnFailedAttempt(args.Context, attempt.AttemptNumber, exception);
            }
        }
    }

    private static TTo As<TFrom, TTo>(TFrom value) => Unsafe.As<TFrom, TTo>(ref value);
}

/// <summary>
/// The failure of the last hedged attempt of one call. Polly's hedging answers, when every attempt failed, with the
/// first attempt's outcome; GatewayErrors names the last one, the freshest word on the upstream.
/// </summary>
/// <remarks>
/// Created at the first hedged attempt and kept in the call's primary <see cref="ResilienceContext"/> (which
/// <see cref="UpstreamGateHandler"/> owns, so it outlives the pipeline) and in each hedged attempt's context. Attempts
/// run concurrently, hence the lock. An attempt cancelled because another won is not a failure: its cancellation is
/// never recorded, and a call that succeeded never reads the record.
/// </remarks>
internal sealed class HedgedFailure
{
    public static readonly ResiliencePropertyKey<HedgedFailure> Key = new("GatewayErrors.HedgedFailure");

    private int _attempt = -1;
    private Exception? _exception;

    public Exception? Last
    {
        get
        {
            lock (this)
            {
                return _exception;
            }
        }
    }

    public static void OnHedging(in OnHedgingArguments<HttpResponseMessage> args)
    {
        // Reported on the hedging loop, before the hedged attempt starts: nothing else writes these properties now.
        if (!args.PrimaryContext.Properties.TryGetValue(Key, out var failure))
        {
            failure = new HedgedFailure();
            args.PrimaryContext.Properties.Set(Key, failure);
        }

        args.ActionContext.Properties.Set(Key, failure);
    }

    public static void OnFailedAttempt(ResilienceContext context, int attempt, Exception exception)
    {
        if (exception is OperationCanceledException || !context.Properties.TryGetValue(Key, out var failure))
        {
            return;
        }

        lock (failure)
        {
            if (attempt > failure._attempt)
            {
                failure._attempt = attempt;
                failure._exception = exception;
            }
        }
    }
}
