using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GatewayErrors;

/// <summary>
/// Stale-if-error for endpoints that call <c>WithStaleIfError()</c>: keeps their last good response, and offers it when
/// they fail because of an upstream. Two steps, each called once per request: <see cref="Begin"/> at the endpoint
/// (by its <see cref="EndpointGate"/>: the request has passed the app's checks) and <see cref="FinishAsync"/> when the
/// exchange is over (by the gate when the endpoint returned normally, by the middleware when it failed); between them
/// the middleware may ask <see cref="FindAsync"/> for a copy and tell <see cref="Failed"/> what failed.
/// </summary>
/// <remarks>
/// An opted-in endpoint costs a key and a dictionary lookup per request; its response is copied once per
/// <see cref="GatewayStaleIfErrorOptions.RefreshInterval"/>, and written to the store in the background. Only a complete
/// exchange is kept: the endpoint returned normally, the client did not leave, and the bytes kept are the bytes the
/// endpoint wrote.
/// </remarks>
internal sealed class StaleCopies
{
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly KeepAdmission _admission;
    private StaleCopyStore? _store;

    public StaleCopies(IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider, IServiceProvider services, KeepAdmission admission,
        ILogger<StaleCopies> logger)
    {
        _admission = admission;
        _options = options;
        _timeProvider = timeProvider;
        _services = services;
        _logger = logger;
    }

    // Built on the first opted-in request: an app without such endpoints never builds a HybridCache.
    private StaleCopyStore Store => _store ??= _services.GetRequiredService<StaleCopyStore>();

    /// <summary>
    /// Starts a request at an opted-in endpoint: null when the request may neither be kept nor answered from a copy (its
    /// response may depend on who asks); otherwise its state, held down when the upstream is not to be called, and
    /// capturing when its copy is due for a refresh.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="route">The endpoint's stale-if-error metadata.</param>
    /// <param name="upstreamSkipped">The upstream will not be called anyway (it is known unavailable): no hold-down, no capture.</param>
    public StaleRequest? Begin(HttpContext context, StaleIfErrorMetadata route, bool upstreamSkipped)
    {
        var request = context.Request;
        var isGet = HttpMethods.IsGet(request.Method);
        var settings = _options.CurrentValue.StaleIfError;
        if ((!isGet && !HttpMethods.IsHead(request.Method)) || !MayUseCopies(context, route, settings))
        {
            return null;
        }

        var key = StaleCopyKey.For(request);
        if (upstreamSkipped)
        {
            return new StaleRequest(route, key);
        }

        var now = _timeProvider.GetTimestamp();
        if (route.HeldDownFor(key, now, Ticks(settings.ProbeInterval)) is { } failure)
        {
            return new StaleRequest(route, key) { HeldDownBy = failure };
        }

        var state = new StaleRequest(route, key);
        if (isGet)
        {
            var variant = StaleCopyKey.ForVariant(key, request, route.VaryHeaders);
            if (_admission.ShouldCapture(route.RouteName(context), variant, now))
            {
                state.StartCapture(context, variant, settings.MaxEntryBytes);
            }
        }

        return state;
    }

    /// <summary>
    /// Ends the request's capture: keeps the copy when the exchange was <paramref name="complete"/> (the endpoint returned
    /// normally, nothing failed, the client is still there), and then, the upstream having answered, ends its hold-downs.
    /// Anything else keeps nothing and ends nothing.
    /// </summary>
    public async Task FinishAsync(HttpContext context, StaleRequest state, bool complete)
    {
        state.Finished = true;
        var capture = state.StopCapture(context);
        try
        {
            if (!complete)
            {
                if (capture is not null)
                {
                    // The due refresh did not happen: let the next success take it.
                    _admission.CaptureAbandoned(state.CaptureKey!);
                }

                return;
            }

            if (capture is not null)
            {
                // Bytes still held by the capture's own writer belong to the body: push them out before it is judged.
                await capture.FlushWriterAsync().ConfigureAwait(false);
                Keep(context, state, capture);
            }

            if (context.Response.StatusCode < StatusCodes.Status500InternalServerError)
            {
                // The upstream answered (whatever it said, it is up): a fresh, complete success ends the hold-down at once.
                state.Route.Succeeded(state.BaseKey);
            }
        }
        finally
        {
            capture?.Release();
        }
    }

    /// <summary>The upstream was called for this request and failed: start the hold-down the failure calls for.</summary>
    public void Failed(StaleRequest state, UpstreamFailure failure)
    {
        var settings = _options.CurrentValue.StaleIfError;
        state.Route.Failed(failure, state.BaseKey, _timeProvider.GetTimestamp(), Ticks(settings.HoldDown), Ticks(settings.ProbeInterval));
    }

    /// <summary>The kept copy that may answer this failure: within the failure's window, from memory or the shared cache; else null.</summary>
    public async ValueTask<StaleCopy?> FindAsync(HttpContext context, StaleRequest state, UpstreamFailure failure)
    {
        var window = WindowFor(failure.Upstream, state.Route, _options.CurrentValue);
        if (window <= TimeSpan.Zero)
        {
            return null;
        }

        var copy = await Store.GetAsync(state.BaseKey).ConfigureAwait(false);
        if (copy is { IsVaryRules: true })
        {
            copy = await Store.GetAsync(StaleCopyKey.ForVariant(state.BaseKey, context.Request, copy.VaryHeaders)).ConfigureAwait(false);
        }

        return copy is { IsVaryRules: false } && copy.IsWithin(_timeProvider.GetUtcNow(), window) ? copy : null;
    }

    private void Keep(HttpContext context, StaleRequest state, ResponseCapture capture)
    {
        var settings = _options.CurrentValue;
        var stale = settings.StaleIfError;
        var route = state.Route;
        var head = capture.TakeHead();
        if (head.StatusCode != StatusCodes.Status200OK || context.User.Identity?.IsAuthenticated == true)
        {
            return;
        }

        if (capture.Oversized)
        {
            if (route.FirstOversize())
            {
                Log.StaleCopyTooLarge(_logger, context.Request.Method, LogValues.Path(context.Request), stale.MaxEntryBytes);
            }

            return;
        }

        var body = capture.ToArray();
        var headers = head.ToHeaders();
        if (headers.ContentLength is { } length && length != body.Length)
        {
            // Not the whole body went through here (a HEAD-like answer, or one cut short): nothing to serve later.
            return;
        }

        var policy = ResponsePolicy.Read(headers);
        if (policy.Forbidden || !KeptHeaders.TryCollect(headers, route, context, stale, out var kept, out var vary))
        {
            return;
        }

        var lifetime = LongestWindow(route, settings);
        if (policy.StaleIfError is { } own && own < lifetime)
        {
            lifetime = own;
        }

        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow();
        var copy = new StaleCopy(head.StatusCode, now, policy.StaleIfError, policy.FreshnessSeconds, policy.AgeSeconds, kept, body);
        route.VaryHeaders = vary;
        if (vary.Length == 0)
        {
            Store.Keep(route.RouteName(context), state.BaseKey, copy, lifetime);
        }
        else
        {
            Store.Keep(route.RouteName(context), state.BaseKey, StaleCopy.ForVaryRules(vary, now), lifetime);
            Store.Keep(route.RouteName(context), StaleCopyKey.ForVariant(state.BaseKey, context.Request, vary), copy, lifetime);
        }
    }

    /// <summary>Whether this request may be answered with (and its response kept as) a copy shared by everyone.</summary>
    private static bool MayUseCopies(HttpContext context, StaleIfErrorMetadata route, GatewayStaleIfErrorOptions settings)
    {
        var headers = context.Request.Headers;
        if (headers.ContainsKey(HeaderNames.Authorization) || context.User.Identity?.IsAuthenticated == true)
        {
            return false;
        }

        if (headers.CacheControl.Count > 0 && KeptHeaders.Contains(headers.CacheControl, "no-store"))
        {
            return false;
        }

        if (headers.Cookie.Count == 0)
        {
            return true;
        }

        if (!settings.IgnoredCookies.TryGetValue(route.RouteName(context), out var ignored) || ignored.Length == 0)
        {
            return false;
        }

        foreach (var name in context.Request.Cookies.Keys)
        {
            if (!ignored.Contains(name, StringComparer.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The window for a failure of <paramref name="upstream"/>: the upstream's configured one, else the route's.</summary>
    internal static TimeSpan WindowFor(string? upstream, StaleIfErrorMetadata route, GatewayErrorsOptions options)
        => upstream is not null && options.Upstreams.TryGetValue(upstream, out var settings) && settings?.StaleIfError is { } configured
            ? configured
            : route.MaxStale;

    /// <summary>How long a copy must be kept so that any upstream's window can still use it.</summary>
    private static TimeSpan LongestWindow(StaleIfErrorMetadata route, GatewayErrorsOptions options)
    {
        var longest = route.MaxStale;
        foreach (var (_, settings) in options.Upstreams)
        {
            if (settings?.StaleIfError is { } configured && configured > longest)
            {
                longest = configured;
            }
        }

        return longest;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _timeProvider.TimestampFrequency);
}
