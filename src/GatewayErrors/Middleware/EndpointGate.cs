using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors;

/// <summary>
/// Wraps the request delegate of an endpoint that names its upstreams (<c>WithGatewayUpstreams</c>) or keeps stale
/// copies (<c>WithStaleIfError</c>), so the decisions that skip the upstream are taken where the request has passed
/// every check the app runs before its endpoints: authentication, authorization, rate limiters and any middleware after
/// <c>UseGatewayErrors()</c>.
/// </summary>
/// <remarks>
/// <para>
/// The gate never answers. When the upstream is not to be called (a known-unavailable upstream, a stale copy's
/// hold-down) it records why in the request's <see cref="GatewayExchange"/>, sets the 503 the answer will have, and
/// returns; the middleware, on its one answer path, then serves a copy or the error. The 503 is also what tells the
/// middleware to look: a request that completed with any other status and without a failure costs it nothing. A request that a middleware rejected never reaches the gate, so it is
/// never answered from a copy.
/// </para>
/// <para>
/// Because it runs at the endpoint, the gate works on either side of an explicit <c>UseRouting()</c>, and endpoints
/// without these conventions cost the middleware nothing. One gate per endpoint, however many conventions ask for it.
/// </para>
/// </remarks>
internal sealed class EndpointGate
{
    private readonly IList<object> _metadata;
    private readonly IServiceProvider _services;
    private readonly RequestDelegate _endpoint;
    private IReportedFailureSource? _reported;
    private Parts? _parts;

    private EndpointGate(EndpointBuilder builder, RequestDelegate endpoint)
    {
        _metadata = builder.Metadata;
        _services = builder.ApplicationServices;
        _endpoint = endpoint;
    }

    /// <summary>Installs the gate on the endpoint being built, once: the conventions that need it call this.</summary>
    public static void Install(EndpointBuilder builder)
    {
        if (builder.RequestDelegate is not { } endpoint || builder.Metadata.OfType<EndpointGate>().Any())
        {
            return;
        }

        var gate = new EndpointGate(builder, endpoint);
        builder.Metadata.Add(gate);
        builder.RequestDelegate = gate.InvokeAsync;
    }

    private Task InvokeAsync(HttpContext context)
    {
        var parts = _parts ??= Resolve();
        if (parts.Availability is { } availability && parts.Upstreams is { } upstreams
            && availability.FindUnavailable(upstreams) is { } unavailable)
        {
            // An open or isolated circuit, or maintenance: nothing to call. The middleware answers, from a copy if it has one.
            return Skip(context, new GatewayExchange { Unavailable = unavailable, Stale = parts.Stale?.Begin(context, parts.Route!, upstreamSkipped: true) });
        }

        if (parts.Stale is { } stale && stale.Begin(context, parts.Route!, upstreamSkipped: false) is { } request)
        {
            var exchange = new GatewayExchange { Stale = request };
            return request.HeldDownBy is { } failure ? HeldDownAsync(context, stale, exchange, failure) : RunAsync(context, stale, exchange);
        }

        return _endpoint(context);
    }

    private async Task HeldDownAsync(HttpContext context, StaleCopies stale, GatewayExchange exchange, UpstreamFailure failure)
    {
        // Within a hold-down the upstream is not called when there is a copy to answer with: as fast as a static page.
        // Without one, asking the upstream is better than an error it may not deserve.
        if (await stale.FindAsync(context, exchange.Stale!, failure).ConfigureAwait(false) is { } copy)
        {
            exchange.Unavailable = failure;
            exchange.Copy = copy;
            await Skip(context, exchange).ConfigureAwait(false);
            return;
        }

        await RunAsync(context, stale, exchange).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the endpoint of a request that may be kept. When it returns normally and nothing reported a failure, the
    /// exchange is over here and now: keep the copy if the client is still there, end the hold-down. A failure (thrown,
    /// or reported by an adapter) is left to the middleware, which ends the capture with nothing kept. Finishing here
    /// spares every other request the middleware's look for this state: it only looks when something went wrong.
    /// </summary>
    private async Task RunAsync(HttpContext context, StaleCopies stale, GatewayExchange exchange)
    {
        context.Features.Set(exchange);
        await _endpoint(context).ConfigureAwait(false);
        if (_reported is null || !_reported.TryGet(context, out _))
        {
            await stale.FinishAsync(context, exchange.Stale!, complete: !context.RequestAborted.IsCancellationRequested).ConfigureAwait(false);
        }
    }

    private static Task Skip(HttpContext context, GatewayExchange exchange)
    {
        context.Features.Set(exchange);

        // Should UseGatewayErrors() not be on this request's path, the client still gets the right status rather than
        // an empty 200; with it, the middleware replaces this with the full answer. Status code pages must not write a
        // body first (placed after UseGatewayErrors(), they would see this status before the middleware does).
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        return Task.CompletedTask;
    }

    private Parts Resolve()
    {
        // The app's services, not a request's: the gate's helpers are singletons. Without AddGatewayErrors() there are
        // none, and the gate lets every request through.
        StaleIfErrorMetadata? route = null;
        GatewayUpstreamMetadata? upstreams = null;
        foreach (var item in _metadata)
        {
            switch (item)
            {
                case StaleIfErrorMetadata stale:
                    route = stale;
                    break;
                case GatewayUpstreamMetadata named:
                    upstreams = named;
                    break;
            }
        }

        var staleCopies = route is null ? null : _services.GetService<StaleCopies>();
        _reported = _services.GetService<IReportedFailureSource>();
        return new Parts(staleCopies is null ? null : route, staleCopies, upstreams, upstreams is null ? null : _services.GetService<UpstreamAvailability>());
    }

    private sealed record Parts(StaleIfErrorMetadata? Route, StaleCopies? Stale, GatewayUpstreamMetadata? Upstreams, UpstreamAvailability? Availability);
}

/// <summary>
/// What the <see cref="EndpointGate"/> decided for one request, set as a request feature for the middleware: why the
/// upstream was not called, and the request's stale-copy state.
/// </summary>
internal sealed class GatewayExchange
{
    /// <summary>The failure the upstream was not called for (unavailable or held down); null when it was called.</summary>
    public UpstreamFailure? Unavailable { get; set; }

    /// <summary>The request's stale-copy state, on an endpoint that keeps copies and a request that may use them.</summary>
    public StaleRequest? Stale { get; init; }

    /// <summary>The copy the gate already found for a held-down request: the middleware serves it without a second lookup.</summary>
    public StaleCopy? Copy { get; set; }
}
