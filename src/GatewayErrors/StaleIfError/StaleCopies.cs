using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace GatewayErrors;

/// <summary>
/// Stale-if-error for endpoints that call <c>WithStaleIfError()</c>: keeps their last good response, serves it when
/// the endpoint fails because of an upstream, and during a hold-down after such a failure serves it without calling
/// the upstream at all. The middleware calls <see cref="Find"/> and <see cref="InvokeAsync"/> on every request and
/// <see cref="AnswerAsync"/> before it answers a failure.
/// </summary>
/// <remarks>
/// An endpoint that does not opt in costs one metadata lookup (<see cref="Find"/>) and a feature lookup when it fails.
/// An opted-in endpoint costs a key and a dictionary lookup per request; its response is copied once per
/// <see cref="GatewayStaleIfErrorOptions.RefreshInterval"/>, and written to the store in the background.
/// </remarks>
internal sealed class StaleCopies : IDisposable
{
    // Hop-by-hop fields (RFC 9110 section 7.6.1) and fields that are written fresh for each served copy.
    private static readonly HashSet<string> NotKept = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Connection, HeaderNames.KeepAlive, "Proxy-Connection", HeaderNames.TE, HeaderNames.Trailer,
        HeaderNames.TransferEncoding, HeaderNames.Upgrade, HeaderNames.ContentLength, HeaderNames.Age, HeaderNames.SetCookie,
    };

    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly IServiceProvider _services;
    private StaleCopyStore? _store;
    private readonly StaleIfErrorMetrics _metrics;
    private readonly FailureLogSummarizer _summarizer;
    private readonly ILogger _logger;
    private readonly KeepAdmission _admission;

    public StaleCopies(IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider, IServiceProvider services, StaleIfErrorMetrics metrics,
        KeepAdmission admission, ILogger<StaleCopies> logger)
    {
        _admission = admission;
        _options = options;
        _timeProvider = timeProvider;
        _services = services;
        _metrics = metrics;
        _logger = logger;
        _summarizer = new FailureLogSummarizer(options, timeProvider, logger, Log.StaleCopiesServedSummarized);
    }

    // Built on the first opted-in request: an app without such endpoints never builds a HybridCache.
    private StaleCopyStore Store => _store ??= _services.GetRequiredService<StaleCopyStore>();

    /// <summary>The endpoint's stale-if-error metadata; null (and nothing else done) for endpoints that do not opt in.</summary>
    public static StaleIfErrorMetadata? Find(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<StaleIfErrorMetadata>();

    /// <summary>
    /// Runs an opted-in endpoint (<paramref name="next"/>: the middleware's own handling of the endpoint, failures
    /// included): answers from a copy during a hold-down, captures the response when its copy is due for a refresh.
    /// </summary>
    public Task InvokeAsync(HttpContext context, StaleIfErrorMetadata route, RequestDelegate next)
    {
        var request = context.Request;
        var isGet = HttpMethods.IsGet(request.Method);
        var settings = _options.CurrentValue.StaleIfError;
        if ((!isGet && !HttpMethods.IsHead(request.Method)) || !MayUseCopies(context, route, settings))
        {
            // A request that could not have been kept is never answered from a copy either: its response may depend on who asks.
            return next(context);
        }

        var state = new StaleRequest(route, StaleCopyKey.For(request));
        context.Features.Set(state);
        var now = _timeProvider.GetTimestamp();
        if (route.IsHeldDown(now, Ticks(settings.ProbeInterval)) && route.LastFailure is { } failure)
        {
            return ServeHeldDownAsync(context, state, failure, next);
        }

        return RunAsync(context, state, now, isGet, next);
    }

    /// <summary>
    /// Answers a failure of the request: with the kept copy when the endpoint opted in and has one within its window,
    /// otherwise with <paramref name="answerError"/> (the error page, as without stale-if-error).
    /// </summary>
    public Task AnswerAsync(HttpContext context, UpstreamFailure failure, Func<HttpContext, UpstreamFailure, Task> answerError)
    {
        if (context.Features.Get<StaleRequest>() is not { Answered: false } state)
        {
            return answerError(context, failure);
        }

        state.Answered = true;
        state.StopCapture(context);
        if (state.CaptureKey is { } key)
        {
            // The due refresh did not happen: let the next success take it.
            _admission.CaptureAbandoned(key);
        }

        var settings = _options.CurrentValue.StaleIfError;
        state.Route.Failed(failure, _timeProvider.GetTimestamp(), Ticks(settings.HoldDown), Ticks(settings.ProbeInterval));
        return ServeOrAsync(context, state, failure, answerError);
    }

    private async Task ServeOrAsync(HttpContext context, StaleRequest state, UpstreamFailure failure, Func<HttpContext, UpstreamFailure, Task> answerError)
    {
        if (await FindCopyAsync(context, state, failure).ConfigureAwait(false) is not { } copy
            || !await TryServeAsync(context, copy, failure).ConfigureAwait(false))
        {
            await answerError(context, failure).ConfigureAwait(false);
        }
    }

    private async Task ServeHeldDownAsync(HttpContext context, StaleRequest state, UpstreamFailure failure, RequestDelegate next)
    {
        // Within the hold-down the upstream is not called: the copy is the answer, as fast as a static page.
        if (await FindCopyAsync(context, state, failure).ConfigureAwait(false) is { } copy && await TryServeAsync(context, copy, failure).ConfigureAwait(false))
        {
            state.Answered = true;
            return;
        }

        await RunAsync(context, state, _timeProvider.GetTimestamp(), HttpMethods.IsGet(context.Request.Method), next).ConfigureAwait(false);
    }

    private Task RunAsync(HttpContext context, StaleRequest state, long now, bool isGet, RequestDelegate next)
    {
        var settings = _options.CurrentValue.StaleIfError;
        if (isGet)
        {
            var key = StaleCopyKey.ForVariant(state.BaseKey, context.Request, state.Route.VaryHeaders);
            if (_admission.ShouldCapture(state.Route.RouteName(context), key, now))
            {
                state.StartCapture(context, key, settings.MaxEntryBytes);
            }
        }

        Task inner;
        try
        {
            inner = next(context);
        }
        catch
        {
            state.StopCapture(context);
            throw;
        }

        if (inner.IsCompletedSuccessfully && state.Capture is null)
        {
            Completed(context, state);
            return Task.CompletedTask;
        }

        return AwaitAsync(context, state, inner);
    }

    private async Task AwaitAsync(HttpContext context, StaleRequest state, Task inner)
    {
        try
        {
            await inner.ConfigureAwait(false);
            if (state.Capture is { } capture && !state.Answered)
            {
                await capture.FlushWriterAsync().ConfigureAwait(false);
                Keep(context, state, capture);
            }
        }
        finally
        {
            state.StopCapture(context);
        }

        Completed(context, state);
    }

    private static void Completed(HttpContext context, StaleRequest state)
    {
        // The upstream answered (whatever it said, it is up): a fresh success ends the hold-down at once.
        if (!state.Answered && context.Response.StatusCode < StatusCodes.Status500InternalServerError)
        {
            state.Route.Succeeded();
        }
    }

    private void Keep(HttpContext context, StaleRequest state, ResponseCapture capture)
    {
        var response = context.Response;
        var settings = _options.CurrentValue;
        var stale = settings.StaleIfError;
        var route = state.Route;
        if (response.StatusCode != StatusCodes.Status200OK || context.User.Identity?.IsAuthenticated == true)
        {
            return;
        }

        if (capture.Oversized)
        {
            if (route.FirstOversize())
            {
                Log.StaleCopyTooLarge(_logger, context.Request.Method, context.Request.Path.Value ?? "/", stale.MaxEntryBytes);
            }

            return;
        }

        var body = capture.ToArray();
        if (response.ContentLength is { } length && length != body.Length)
        {
            // Not the whole body went through here (a HEAD-like answer, or one cut short): nothing to serve later.
            return;
        }

        var policy = ResponsePolicy.Read(response.Headers);
        if (policy.Forbidden || !TryCollectHeaders(context, route, stale, out var headers, out var vary))
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
        var copy = new StaleCopy(response.StatusCode, now, policy.StaleIfError, policy.FreshnessSeconds, policy.AgeSeconds, headers, body);
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

    private async ValueTask<StaleCopy?> FindCopyAsync(HttpContext context, StaleRequest state, UpstreamFailure failure)
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

    private async ValueTask<bool> TryServeAsync(HttpContext context, StaleCopy copy, UpstreamFailure failure)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return false;
        }

        var options = _options.CurrentValue;
        var proxyName = options.ProxyName ?? "gateway";
        var type = ErrorTaxonomy.Get(failure.ErrorType);
        var age = copy.AgeSeconds(_timeProvider.GetUtcNow());
        try
        {
            response.Clear();
            response.StatusCode = copy.StatusCode;
            var headers = response.Headers;
            foreach (var (name, values) in copy.Headers)
            {
                headers[name] = values;
            }

            headers.Age = ProxyStatusHeader.Seconds(age);

            // RFC 9211: this cache's member goes after any from caches nearer the origin; a negative ttl says how stale.
            Append(headers, "Cache-Status", CacheStatus(proxyName, copy.TtlSeconds(_timeProvider.GetUtcNow())));
            Append(headers, ProxyStatusHeader.Name, ProxyStatusHeader.Cached(proxyName, type));
            response.ContentLength = copy.Body.Length;
        }
        catch (InvalidOperationException)
        {
            // A header the server refuses (a copy from another version, say): the error page is still a correct answer.
            response.Clear();
            return false;
        }

        var upstream = failure.Upstream ?? FailureReporter.UnknownUpstream;
        _metrics.RecordServed(upstream, type.Name);
        if (_summarizer.ShouldLogInFull(upstream, failure.ErrorType))
        {
            Log.StaleCopyServed(_logger, upstream, type.Name, age, context.Request.Method, context.Request.Path.Value ?? "/", TraceIdOf(context));
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return true;
        }

        try
        {
            await response.Body.WriteAsync(copy.Body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The status line is out: another answer is impossible, and an error here must not become a 500.
            if (!context.RequestAborted.IsCancellationRequested)
            {
                Log.StaleCopyFailed(_logger, exception, upstream, TraceIdOf(context));
            }

            context.Abort();
        }

        return true;
    }

    /// <summary>Whether this request may be answered with (and its response kept as) a copy shared by everyone.</summary>
    private static bool MayUseCopies(HttpContext context, StaleIfErrorMetadata route, GatewayStaleIfErrorOptions settings)
    {
        var headers = context.Request.Headers;
        if (headers.ContainsKey(HeaderNames.Authorization) || context.User.Identity?.IsAuthenticated == true)
        {
            return false;
        }

        if (headers.CacheControl.Count > 0 && Contains(headers.CacheControl, "no-store"))
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

    private static bool TryCollectHeaders(HttpContext context, StaleIfErrorMetadata route, GatewayStaleIfErrorOptions settings,
        out KeyValuePair<string, string[]>[] headers, out string[] vary)
    {
        headers = [];
        vary = [];
        var response = context.Response.Headers;
        if (response.SetCookie.Count > 0)
        {
            // Only cookies the route named as irrelevant may be set, and they are left out of the copy.
            settings.IgnoredCookies.TryGetValue(route.RouteName(context), out var ignored);
            foreach (var header in response.SetCookie)
            {
                if (header is null)
                {
                    continue;
                }

                var name = header.AsSpan(0, Math.Max(0, header.IndexOf('=', StringComparison.Ordinal))).Trim().ToString();
                if (ignored is null || name.Length == 0 || !ignored.Contains(name, StringComparer.Ordinal))
                {
                    return false;
                }
            }
        }

        if (response.Vary.Count > 0)
        {
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var value in response.Vary)
            {
                foreach (var name in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (name == "*")
                    {
                        // RFC 9110 section 12.5.5: varies on things outside the request; no later request can be matched to it.
                        return false;
                    }

                    names.Add(name.ToLowerInvariant());
                }
            }

            vary = [.. names];
        }

        var kept = new List<KeyValuePair<string, string[]>>(response.Count);
        foreach (var (name, values) in response)
        {
            if (!NotKept.Contains(name))
            {
                kept.Add(new(name, values.ToArray()!));
            }
        }

        headers = [.. kept];
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

    private static string CacheStatus(string proxyName, long ttl)
    {
        var builder = new StringBuilder(proxyName.Length + 24);
        ProxyStatusHeader.AppendItem(builder, proxyName);
        return builder.Append("; hit; ttl=").Append(ttl).ToString();
    }

    private static void Append(IHeaderDictionary headers, string name, string member)
        => headers[name] = headers.TryGetValue(name, out var existing) && !StringValues.IsNullOrEmpty(existing)
            ? string.Concat(existing.ToString(), ", ", member)
            : member;

    private static bool Contains(StringValues values, string directive)
    {
        foreach (var value in values)
        {
            if (value is not null && value.Contains(directive, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string TraceIdOf(HttpContext context)
        => Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToHexString() : context.TraceIdentifier;

    public void Dispose() => _summarizer.Dispose();
}
