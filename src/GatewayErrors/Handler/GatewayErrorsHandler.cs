using System.Net;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Sits in front of an upstream <see cref="HttpClient"/>'s primary handler and turns each failed call into an
/// <see cref="UpstreamFailureException"/> that says what failed, where, and how long it took.
/// </summary>
/// <remarks>
/// A successful call costs a timestamp read and a lookup of the upstream's settings; it allocates nothing of its
/// own when the inner handler completes synchronously (an asynchronous completion costs the await). Caller
/// cancellation is never turned into a failure; see <see cref="UpstreamFailureData"/> for how timeouts that only
/// HttpClient can name are still attributed.
/// </remarks>
internal sealed class GatewayErrorsHandler : DelegatingHandler
{
    private readonly string _upstream;
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly UpstreamConcurrencyLimits _limits;
    private readonly TimeProvider _timeProvider;
    private CachedSettings? _settings;

    public GatewayErrorsHandler(string upstream, IOptionsMonitor<GatewayErrorsOptions> options, UpstreamConcurrencyLimits limits, TimeProvider timeProvider)
    {
        _upstream = upstream;
        _options = options;
        _limits = limits;
        _timeProvider = timeProvider;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = Settings();
        if (settings.MaxConcurrentRequests is { } permits)
        {
            return SendLimitedAsync(request, permits, cancellationToken);
        }

        var started = _timeProvider.GetTimestamp();
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
        var started = _timeProvider.GetTimestamp();
        var settings = Settings();
        using var lease = settings.MaxConcurrentRequests is { } permits ? Acquire(request, permits, started) : null;
        HttpResponseMessage response;
        try
        {
            response = base.Send(request, cancellationToken);
        }
        catch (Exception exception)
        {
            var translated = Translate(exception, request, started, cancellationToken);
            if (ReferenceEquals(translated, exception))
            {
                // Left as it is (a cancellation noted for the middleware): keep its stack trace.
                throw;
            }

            throw translated;
        }

        return CheckStatus(response, request, started);
    }

    private async Task<HttpResponseMessage> SendLimitedAsync(HttpRequestMessage request, int permits, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        using var lease = Acquire(request, permits, started);
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return CheckStatus(response, request, started);
        }
        catch (Exception exception) when (exception is not UpstreamFailureException)
        {
            var translated = Translate(exception, request, started, cancellationToken);
            if (ReferenceEquals(translated, exception))
            {
                // Left as it is (a cancellation noted for the middleware): keep its stack trace.
                throw;
            }

            throw translated;
        }
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
            var translatedFault = Translate(fault, request, started, cancellationToken);
            if (ReferenceEquals(translatedFault, fault))
            {
                // Not ours to change: rethrow it with its own stack trace.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault);
            }

            throw translatedFault;
        }

        try
        {
            return await sending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            var translated = Translate(exception, request, started, cancellationToken);
            if (ReferenceEquals(translated, exception))
            {
                // Left as it is (a cancellation noted for the middleware): keep its stack trace.
                throw;
            }

            throw translated;
        }
    }

    private System.Threading.RateLimiting.RateLimitLease Acquire(HttpRequestMessage request, int permits, long started)
    {
        var lease = _limits.Get(_upstream, permits).AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            // The call is never sent, so there is no next hop to name.
            throw new UpstreamFailureException(new UpstreamFailure(_upstream, GatewayErrorType.ConnectionLimitReached)
            {
                Elapsed = _timeProvider.GetElapsedTime(started),
            });
        }

        return lease;
    }

    private HttpResponseMessage CheckStatus(HttpResponseMessage response, HttpRequestMessage request, long started)
    {
        if (response.StatusCode < HttpStatusCode.InternalServerError
            || !Settings().TreatServerErrorsAsFailures)
        {
            return response;
        }

        var received = (int)response.StatusCode;
        var unavailable = response.StatusCode == HttpStatusCode.ServiceUnavailable;
        var failure = new UpstreamFailure(_upstream, unavailable ? GatewayErrorType.DestinationUnavailable : GatewayErrorType.UpstreamServerError)
        {
            Elapsed = _timeProvider.GetElapsedTime(started),
            ReceivedStatusCode = received,
            RetryAfter = unavailable ? RetryAfterHeader.Read(response, _timeProvider.GetUtcNow()) : null,
            NextHop = request.RequestUri?.Authority,
        };
        response.Dispose();
        throw new UpstreamFailureException(failure);
    }

    private Exception Translate(Exception exception, HttpRequestMessage request, long started, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            // HttpClient links the caller's token with its own Timeout, so here the two look the same. Leave the
            // exception as it is (callers catch cancellations by type) and note who was called: the middleware can
            // then tell a client abort (RequestAborted) from a timeout and still name the upstream.
            UpstreamFailureData.Attach(exception, CreateFailure(GatewayErrorType.HttpResponseTimeout, request, started, exception));
            return exception;
        }

        if (exception is UpstreamFailureException
            || !FailureClassifier.TryClassify(exception, ExchangePhase.ResponseHeaders, out var type, out var retryAfter))
        {
            return exception;
        }

        var failure = CreateFailure(type, request, started, exception, retryAfter);
        return new UpstreamFailureException(failure, exception);
    }

    private UpstreamFailure CreateFailure(GatewayErrorType type, HttpRequestMessage request, long started, Exception? exception, TimeSpan? retryAfter = null)
        => new(_upstream, type)
        {
            Elapsed = _timeProvider.GetElapsedTime(started),
            NextHop = request.RequestUri?.Authority,
            Exception = exception,
            RetryAfter = retryAfter,
        };

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
