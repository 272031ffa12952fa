using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace GatewayErrors.Yarp;

/// <summary>
/// Reads what YARP's forwarder reported (<see cref="IForwarderErrorFeature"/>) and hands the core middleware an
/// upstream failure named after the cluster, or a client-caused error.
/// </summary>
/// <remarks>
/// YARP does not throw when forwarding fails: it sets the feature and a bare status (502, 504, 503, or a 4xx when it
/// blames the client) and returns. The exception it keeps is what the core classifier reads, exactly as it reads the
/// exception an <see cref="HttpClient"/> throws; <see cref="ForwarderVerdicts"/> holds YARP's own verdicts for the
/// cases that come without an exception that says more.
/// </remarks>
internal sealed class ForwarderFailureSource(ClusterConnectors connectors) : IReportedFailureSource
{
    public bool TryGet(HttpContext context, out ReportedFailure failure)
    {
        // Success costs this one lookup: YARP sets the feature only when forwarding failed.
        if (context.Features.Get<IForwarderErrorFeature>() is not { Error: not ForwarderError.None } error)
        {
            failure = default;
            return false;
        }

        var proxy = context.Features.Get<IReverseProxyFeature>();
        var cluster = proxy?.Cluster?.Config.ClusterId;
        switch (ForwarderVerdicts.BlameFor(error.Error, ClientWentAway(context)))
        {
            case Blame.None:
                failure = default;
                return false;

            case Blame.Client:
                failure = ReportedFailure.OfClient(cluster);
                return true;
        }

        var exception = error.Exception;
        Classification classification;
        if (connectors.SetupPhase(proxy, error.Error, exception) is { } setup)
        {
            // Cancelled before it had a connection: whichever timer fired, the phase the connection was in names it, as
            // for an HttpClient call (dns_timeout, connection_timeout, tls_protocol_error).
            classification = new(FailureClassifier.TimeoutIn(setup));
        }
        else if (!TryClassify(exception, ForwarderVerdicts.Phase(error.Error), out classification))
        {
            classification = new(ForwarderVerdicts.WithoutException(error.Error, exception is OperationCanceledException, context.Response.StatusCode));
        }

        var destination = proxy?.ProxiedDestination;
        failure = ReportedFailure.OfUpstream(FailureFactory.Create(cluster, classification, exception, Elapsed(), NextHop(destination), destination?.DestinationId));
        return true;
    }

    /// <summary>
    /// Whether the client itself is gone. A route timeout (ASP.NET Core's request timeouts, which YARP uses for a
    /// route's <c>Timeout</c>) cancels <see cref="HttpContext.RequestAborted"/> too, and YARP then blames the client
    /// with a 400; the timeout feature, or the original token restored once the timeout middleware returned, tells
    /// the two apart.
    /// </summary>
    private static bool ClientWentAway(HttpContext context)
        => context.RequestAborted.IsCancellationRequested
            && context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested != true;

    private static bool TryClassify(Exception? exception, ExchangePhase phase, out Classification classification)
    {
        // A failure while sending the request body comes as an AggregateException of the body copy's exception and the
        // send's own: the first one the classifier recognises names the failure.
        if (exception is AggregateException aggregate)
        {
            foreach (var inner in aggregate.InnerExceptions)
            {
                if (FailureClassifier.TryClassify(inner, phase, out classification))
                {
                    return true;
                }
            }
        }
        else if (exception is not null && FailureClassifier.TryClassify(exception, phase, out classification))
        {
            return true;
        }

        classification = default;
        return false;
    }

    /// <summary>
    /// How long the request ran before YARP gave up, from the request's activity (ASP.NET Core starts one per request
    /// whenever tracing or logging scopes want it). Read only on this failure path: timing every proxied request
    /// ourselves would cost the success path.
    /// </summary>
    private static TimeSpan? Elapsed()
    {
        // Activity stamps its start from the system clock, so the elapsed time is read from the same clock.
        var activity = Activity.Current;
        return activity is null || activity.StartTimeUtc == default ? null : TimeSpan.FromTicks(Math.Max(0, (DateTime.UtcNow - activity.StartTimeUtc).Ticks));
    }

    /// <summary>The destination's authority (<c>host:port</c>); shown only where <c>ExposeDetails</c> allows.</summary>
    private static string? NextHop(DestinationState? destination)
        => destination?.Model?.Config.Address is { } address && Uri.TryCreate(address, UriKind.Absolute, out var uri) ? uri.Authority : null;
}
