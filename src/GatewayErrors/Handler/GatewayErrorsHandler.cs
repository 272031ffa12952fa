using System.Net;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Sits in front of an upstream <see cref="HttpClient"/>'s primary handler and turns each failed call into an
/// <see cref="UpstreamFailureException"/> (or, for a cancelled call, an <see cref="UpstreamCanceledException"/>) that
/// says what failed, where, and how long it took.
/// </summary>
/// <remarks>
/// A successful call costs a coarse tick-count read and a lookup of the upstream's settings; it allocates nothing of its
/// own when the inner handler completes synchronously (an asynchronous completion costs the await). Caller
/// cancellation is never turned into a failure: the cancellation is rethrown as a cancellation that names the
/// upstream, and the middleware, which can see <c>HttpContext.RequestAborted</c>, decides what it was.
/// </remarks>
internal sealed class GatewayErrorsHandler : DelegatingHandler
{
    private readonly string _upstream;
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly UpstreamConcurrencyLimits _limits;
    private readonly TimeProvider _timeProvider;
    private readonly bool _systemClock;
    private CachedSettings? _settings;

    public GatewayErrorsHandler(string upstream, IOptionsMonitor<GatewayErrorsOptions> options, UpstreamConcurrencyLimits limits, TimeProvider timeProvider)
    {
        _upstream = upstream;
        _options = options;
        _limits = limits;
        _timeProvider = timeProvider;
        _systemClock = ReferenceEquals(timeProvider, TimeProvider.System);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = Settings();
        if (settings.MaxConcurrentRequests is { } permits)
        {
            return SendLimitedAsync(request, permits, cancellationToken);
        }

        var started = Start();
        Task<HttpResponseMessage> sending;
        try
        {
            sending = base.SendAsync(request, cancellationToken);
        }
        catch (Exception exception)
        {
            return Task.FromException<HttpResponseMessage>(Translate(exception, request, started, cancellationToken));
        }

        if (sending.IsCompletedSuccessfully && sending.Result.StatusCode < HttpStatusCode.InternalServerError)
        {
            return sending;
        }

        return AwaitResponseAsync(sending, request, started, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Start();
        var settings = Settings();
        using var lease = settings.MaxConcurrentRequests is { } permits ? Acquire(request, permits, started) : null;
        HttpResponseMessage response;
        try
        {
            response = base.Send(request, cancellationToken);
        }
        catch (Exception exception)
        {
            throw Failed(exception, request, started, cancellationToken);
        }

        return CheckStatus(response, request, started);
    }

    private async Task<HttpResponseMessage> SendLimitedAsync(HttpRequestMessage request, int permits, CancellationToken cancellationToken)
    {
        var started = Start();
        using var lease = Acquire(request, permits, started);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            throw Failed(exception, request, started, cancellationToken);
        }

        return CheckStatus(response, request, started);
    }

    private async Task<HttpResponseMessage> AwaitResponseAsync(Task<HttpResponseMessage> sending, HttpRequestMessage request, long started, CancellationToken cancellationToken)
    {
        // Read a fault from the task rather than rethrow it to catch it again: one exception fewer per failed call.
        await ((Task)sending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (sending.IsCompletedSuccessfully)
        {
            return CheckStatus(sending.Result, request, started);
        }

        if (sending.Exception?.InnerExceptions is [var fault])
        {
            throw Failed(fault, request, started, cancellationToken);
        }

        // Cancelled without a fault: let await build the exception it would have thrown.
        try
        {
            return await sending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            throw Failed(exception, request, started, cancellationToken);
        }
    }

    private System.Threading.RateLimiting.RateLimitLease Acquire(HttpRequestMessage request, int permits, long started)
    {
        var lease = _limits.Get(_upstream, permits).AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();

            // The call is never sent, so there is no next hop to name.
            throw new UpstreamFailureException(FailureFactory.Create(_upstream, new(GatewayErrorType.ConnectionLimitReached),
                elapsed: Since(started)));
        }

        return lease;
    }

    private HttpResponseMessage CheckStatus(HttpResponseMessage response, HttpRequestMessage request, long started)
    {
        if (response.StatusCode < HttpStatusCode.InternalServerError
            || !Settings().TreatServerErrorsAsFailures
            || !FailureClassifier.TryClassify(response, _timeProvider.GetUtcNow(), out var classification))
        {
            return response;
        }

        var failure = FailureFactory.Create(_upstream, classification, elapsed: Since(started), nextHop: request.RequestUri?.Authority);
        response.Dispose();
        throw new UpstreamFailureException(failure);
    }

    /// <summary>
    /// The exception to throw for a failed call, for <c>throw Failed(...)</c>: the translated one, or, when the exception
    /// is not an upstream failure, the original rethrown here with its own stack trace.
    /// </summary>
    private Exception Failed(Exception exception, HttpRequestMessage request, long started, CancellationToken cancellationToken)
    {
        var translated = Translate(exception, request, started, cancellationToken);
        if (ReferenceEquals(translated, exception))
        {
            ExceptionDispatchInfo.Throw(exception);
        }

        return translated;
    }

    /// <summary>The exception a failed call ends with; the same instance when it is not ours to change.</summary>
    private Exception Translate(Exception exception, HttpRequestMessage request, long started, CancellationToken cancellationToken)
    {
        if (exception is UpstreamFailureException or UpstreamCanceledException
            || ExceptionChain.Find<Microsoft.AspNetCore.Http.BadHttpRequestException>(exception) is not null)
        {
            // Already translated (by another GatewayErrors handler in the chain, or by app code on purpose), or the
            // client's own request body broke while it was streamed upstream: not the upstream's failure to report.
            return exception;
        }

        // Whichever timer ended the call, the phase it interrupted names the failure: a hung lookup is dns_timeout
        // whether ConnectTimeout, HttpClient.Timeout, a resilience timeout or the app's own deadline fired.
        var connection = ConnectionPhase.Find(request);
        var phase = connection?.Phase ?? ExchangePhase.ResponseHeaders;
        if (exception is OperationCanceledException canceled && cancellationToken.IsCancellationRequested)
        {
            // HttpClient links the caller's token with its own Timeout, so here the two look the same. Stay a
            // cancellation (callers catch cancellations by type) and say who was called and how far the call got: the
            // middleware can then tell a client abort (RequestAborted) from a timeout and still name the upstream.
            var timeout = new Classification(FailureClassifier.TimeoutIn(phase));
            return new UpstreamCanceledException(Create(timeout, request, started, exception), canceled);
        }

        return FailureClassifier.TryClassify(exception, phase, connection?.Certificate ?? CertificateVerdict.Unknown, out var classification)
            ? new UpstreamFailureException(Create(classification, request, started, exception), exception)
            : exception;
    }

    /// <summary>
    /// When a call starts, for <see cref="Since"/>. With the system clock, the coarse monotonic tick count: a
    /// high-resolution timestamp costs 40 ns or more per read on common cloud VMs (kvm-clock), more than the rest of a
    /// successful call, and the time is only ever reported, in whole milliseconds, for a failure. A test's own
    /// <see cref="TimeProvider"/> is read as it is.
    /// </summary>
    private long Start() => _systemClock ? Environment.TickCount64 : _timeProvider.GetTimestamp();

    private TimeSpan Since(long started)
        => _systemClock ? TimeSpan.FromMilliseconds(Environment.TickCount64 - started) : _timeProvider.GetElapsedTime(started);

    private UpstreamFailure Create(in Classification classification, HttpRequestMessage request, long started, Exception exception)
        => FailureFactory.Create(_upstream, classification, exception, Since(started), request.RequestUri?.Authority);

    /// <summary>This upstream's settings, looked up once per options instance rather than once per call.</summary>
    private GatewayUpstreamOptions Settings()
    {
        var options = _options.CurrentValue;
        var cached = Volatile.Read(ref _settings);
        if (cached is null || !ReferenceEquals(cached.Options, options))
        {
            cached = new CachedSettings(options, UpstreamSettings.For(options, _upstream));
            Volatile.Write(ref _settings, cached);
        }

        return cached.Settings;
    }

    private sealed record CachedSettings(GatewayErrorsOptions Options, GatewayUpstreamOptions Settings);
}
