using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Turns upstream failures that reach it into 502/503/504 responses (or, on endpoints that keep them, stale copies);
/// lets every other exception through untouched.
/// </summary>
/// <remarks>
/// <para>
/// One straight path for every request that did not simply succeed: find the failure, choose the answer (a stale copy,
/// an error response, or an abort), report it once, write it. Rooms such as stale-if-error offer what they know when
/// asked; none of them calls back into the middleware.
/// </para>
/// <para>
/// Follows the safety rules of ASP.NET Core's exception handler middleware: the exception is captured and handled
/// outside the <c>catch</c>, a response that has already started is never rewritten, and a failure while writing the
/// error response is logged without replacing the original outcome.
/// </para>
/// </remarks>
internal sealed class GatewayErrorsMiddleware
{

    private readonly RequestDelegate _next;
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly FailureReporter _reporter;
    private readonly TimeProvider _timeProvider;
    private readonly IProblemDetailsService? _problemDetails;
    private readonly ErrorPageRenderer _pages;
    private readonly UpstreamAvailability? _availability;
    private readonly IReportedFailureSource? _reported;
    private readonly IPageSetSource? _pageSets;
    private readonly StaleCopies? _stale;
    private readonly UpstreamFailureTranslators _failures;

    public GatewayErrorsMiddleware(RequestDelegate next, IOptionsMonitor<GatewayErrorsOptions> options, FailureReporter reporter,
        TimeProvider timeProvider, IServiceProvider services)
    {
        _next = next;
        _options = options;
        _reporter = reporter;
        _timeProvider = timeProvider;
        _problemDetails = services.GetService<IProblemDetailsService>();
        _pages = services.GetRequiredService<ErrorPageRenderer>();
        _availability = services.GetService<UpstreamAvailability>();
        _reported = services.GetService<IReportedFailureSource>();
        _pageSets = services.GetService<IPageSetSource>();
        _stale = services.GetService<StaleCopies>();
        _failures = UpstreamFailureTranslators.From(services);
    }

    public Task Invoke(HttpContext context)
    {
        Task next;
        try
        {
            next = _next(context);
        }
        catch (Exception exception)
        {
            return AnswerAsync(context, ExceptionDispatchInfo.Capture(exception));
        }

        // The success path: a completed endpoint costs a feature lookup (and an adapter's, with YARP) and no allocation.
        return next.IsCompletedSuccessfully ? CompletedAsync(context) : AwaitNextAsync(context, next);
    }

    private async Task AwaitNextAsync(HttpContext context, Task next)
    {
        // Exceptions are what an outage costs: read a fault from the task instead of rethrowing it to catch it again.
        await next.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (next.IsCompletedSuccessfully)
        {
            await CompletedAsync(context).ConfigureAwait(false);
            return;
        }

        ExceptionDispatchInfo captured;
        if (next.Exception?.InnerExceptions is [var fault])
        {
            captured = ExceptionDispatchInfo.Capture(fault);
        }
        else
        {
            // Cancelled, or several faults: let await build the exception it would have thrown.
            try
            {
                await next.ConfigureAwait(false);
                return;
            }
            catch (Exception exception)
            {
                captured = ExceptionDispatchInfo.Capture(exception);
            }
        }

        await AnswerAsync(context, captured).ConfigureAwait(false);
    }

    /// <summary>The endpoint returned: nothing to do unless the gate or an adapter recorded something on the request.</summary>
    private Task CompletedAsync(HttpContext context)
    {
        // The gate marks a request it answered for (an unavailable upstream, a held-down copy) with a 503 and finishes a
        // kept exchange itself, so a success costs a status read here, and a feature lookup only after a 503.
        ReportedFailure reported = default;
        var hasReported = _reported is not null && _reported.TryGet(context, out reported);
        return !hasReported && (context.Response.StatusCode != StatusCodes.Status503ServiceUnavailable || context.Features.Get<GatewayExchange>() is null)
            ? Task.CompletedTask
            : AnswerAsync(context, captured: null, hasReported ? reported : null);
    }

    /// <summary>The one answer path: find the failure, choose the answer, report it once, write it.</summary>
    private async Task AnswerAsync(HttpContext context, ExceptionDispatchInfo? captured, ReportedFailure? reported = null)
    {
        var exchange = context.Features.Get<GatewayExchange>();
        var finding = Find(context, captured, exchange, reported);

        // A copy is kept only from a complete exchange: anything else ends the capture with nothing kept.
        if (exchange?.Stale is { Finished: false } stale)
        {
            var complete = finding.Kind == FindingKind.Success && !context.RequestAborted.IsCancellationRequested;
            await _stale!.FinishAsync(context, stale, complete).ConfigureAwait(false);
        }

        switch (finding.Kind)
        {
            case FindingKind.Success:
                return;
            case FindingKind.NotOurs:
                captured!.Throw();
                return;
        }

        var answer = await ChooseAsync(context, finding, exchange).ConfigureAwait(false);
        var traceId = TraceIdOf(context);
        _reporter.Report(context, answer, traceId);
        await WriteAsync(context, answer, traceId).ConfigureAwait(false);
    }

    private Finding Find(HttpContext context, ExceptionDispatchInfo? captured, GatewayExchange? exchange, ReportedFailure? reported)
    {
        if (captured is not null)
        {
            return FindIn(context, captured.SourceException);
        }

        if (exchange?.Unavailable is { } unavailable)
        {
            return Finding.Upstream(unavailable, called: false);
        }

        if (reported is { } adapter)
        {
            // An adapter's endpoint (YARP's forwarder) reported what failed without throwing.
            return adapter.Failure is { } failure ? Finding.Upstream(failure, called: true) : Finding.ClientGone(adapter.Upstream);
        }

        return default;
    }

    private Finding FindIn(HttpContext context, Exception exception)
    {
        if (ExceptionChain.Find<BadHttpRequestException>(exception) is { } badRequest)
        {
            // The client's request body broke while it was streamed upstream (too large, malformed chunking): the
            // client's error, answered with its status as Kestrel would, never a 502 charged to the upstream.
            return Finding.ClientFault(ExceptionChain.FindFailure(exception)?.Upstream, badRequest.StatusCode);
        }

        // The translators an adapter package registered (GatewayErrors.Grpc reads RpcException) first, then the generic walk.
        var failure = _failures.Find(exception);
        if (context.RequestAborted.IsCancellationRequested && (failure is not null || exception is OperationCanceledException))
        {
            if (failure is null || !RequestTimedOut(context))
            {
                // The client went away: nobody is left to read an answer, and it is not the upstream's failure.
                return Finding.ClientGone(failure?.Upstream);
            }

            // UseRequestTimeouts() cancels RequestAborted when the app's deadline passes: the upstream did not answer in
            // time, which the cancellation's failure names by the phase it interrupted (a 504), not a client that left.
        }

        if (failure is null)
        {
            return Finding.NotOurs;
        }

        if (failure.Upstream is null && DeclaredUpstream(context) is { } upstream)
        {
            // Classified here, without the handler: typically a body that failed while HttpClient buffered it, after the
            // handler chain had returned. An endpoint that declares the one upstream it calls names it, for free.
            failure = FailureFactory.WithUpstream(failure, upstream);
        }

        return Finding.Upstream(failure, called: true);
    }

    /// <summary>
    /// The token that stops writing an answer: the client's, except after the app's request timeout, which cancels
    /// <c>RequestAborted</c> although the client is still waiting for the 504 that says so.
    /// </summary>
    private static CancellationToken WriteToken(HttpContext context)
        => RequestTimedOut(context) ? CancellationToken.None : context.RequestAborted;

    private static bool RequestTimedOut(HttpContext context)
        => context.Features.Get<IHttpRequestTimeoutFeature>() is { } timeout && timeout.RequestTimeoutToken.IsCancellationRequested;

    /// <summary>The upstream an endpoint declared with <c>WithGatewayUpstreams(...)</c>, when it declared exactly one.</summary>
    private static string? DeclaredUpstream(HttpContext context)
        => context.GetEndpoint()?.Metadata.GetMetadata<GatewayUpstreamMetadata>() is { Upstreams: [var single] } ? single : null;

    private async ValueTask<Answer> ChooseAsync(HttpContext context, Finding finding, GatewayExchange? exchange)
    {
        switch (finding.Kind)
        {
            case FindingKind.ClientGone:
                return Answer.ClientLeft(finding.UpstreamName, StatusCodes.Status499ClientClosedRequest);
            case FindingKind.ClientFault:
                return Answer.ClientFault(finding.UpstreamName, finding.ClientStatus);
        }

        var failure = finding.Failure!;
        var stale = exchange?.Stale;
        if (stale is not null && finding.Called)
        {
            // The upstream was asked and failed: hold down what the failure says is down (the upstream, or this URL).
            _stale!.Failed(stale, failure);
        }

        if (context.Response.HasStarted)
        {
            // A second status line is impossible and a cut body would read as a success: make the client see a failure.
            return Answer.Abort(failure, context.Response.StatusCode);
        }

        if (stale is not null && (exchange!.Copy ?? await _stale!.FindAsync(context, stale, failure).ConfigureAwait(false)) is { } copy)
        {
            return Answer.Stale(failure, copy);
        }

        return Answer.Error(failure, ErrorTaxonomy.StatusFor(_options.CurrentValue, failure.ErrorType));
    }

    private Task WriteAsync(HttpContext context, Answer answer, string traceId)
    {
        var response = context.Response;
        switch (answer.Kind)
        {
            case AnswerKind.ErrorResponse:
                return WriteErrorAsync(context, answer.Failure!, answer.StatusCode, traceId);

            case AnswerKind.StaleCopy:
                return WriteStaleAsync(context, answer, traceId);

            case AnswerKind.Aborted:
                context.Abort();
                break;

            case AnswerKind.ClientAborted:
                if (!response.HasStarted && context.RequestAborted.IsCancellationRequested)
                {
                    response.StatusCode = answer.StatusCode;
                }

                break;

            case AnswerKind.ClientError:
                if (!response.HasStarted)
                {
                    response.Clear();
                    response.StatusCode = answer.StatusCode;
                }

                break;
        }

        return Task.CompletedTask;
    }

    private async Task WriteStaleAsync(HttpContext context, Answer answer, string traceId)
    {
        var options = _options.CurrentValue;
        var failure = answer.Failure!;
        var written = await StaleCopyResponse.WriteAsync(context, answer.Copy!, failure, options.Resolved, _timeProvider.GetUtcNow(),
            WriteToken(context)).ConfigureAwait(false);
        if (!written.Started)
        {
            // The server refused one of the copy's headers before anything was sent: the error is still a correct answer.
            await WriteErrorAsync(context, failure, ErrorTaxonomy.StatusFor(options, failure.ErrorType), traceId).ConfigureAwait(false);
        }
        else if (written.Failure is { } exception)
        {
            // The status line is out: another answer is impossible, and an error here must not become a 500.
            _reporter.ReportWriteFailure(context, answer, exception, traceId);
            context.Abort();
        }
    }

    private async Task WriteErrorAsync(HttpContext context, UpstreamFailure failure, int status, string traceId)
    {
        var options = _options.CurrentValue;
        var response = context.Response;
        try
        {
            var expose = options.ExposeDetails == true;
            var type = ErrorTaxonomy.Get(failure.ErrorType);
            var error = new ErrorResponse
            {
                StatusCode = status,
                ReasonPhrase = ReasonPhrases.GetReasonPhrase(status),
                Type = type,
                UpstreamDisplayName = UpstreamSettings.DisplayName(options, failure.Upstream),
                TraceId = traceId,
                Timestamp = _timeProvider.GetUtcNow(),
                Method = context.Request.Method,
                Path = context.Request.Path.Value ?? "/",
                RetryAfter = failure.RetryAfter,
                ReceivedStatusCode = failure.ReceivedStatusCode,
                NextHop = expose ? failure.NextHop : null,
                Detail = expose ? DetailOf(failure) : null,
                Notice = _availability?.MaintenanceNotice(failure) ?? options.Resolved.NoticeFor(failure.Upstream),
                Texts = _pages.TextsFor(context),
                CspNonce = options.CspNonce?.Invoke(context),
                PageSet = PageSets.Of(context, _pageSets),
            };

            response.Clear();
            response.StatusCode = status;
            response.Headers.CacheControl = "no-store";
            if (options.Localization.Enabled)
            {
                // The body's words depend on the visitor's language (RFC 9110 sections 8.5 and 12.5.4).
                response.Headers.ContentLanguage = error.Texts.Language;
                response.Headers.Vary = "Accept-Language";
            }
            response.Headers[ProxyStatusHeader.Name] = failure.ReceivedStatusCode is null && error.NextHop is null && error.Detail is null
                ? options.Resolved.ProxyStatus(type)
                : ProxyStatusHeader.Format(options.ProxyName ?? "gateway", type, failure.ReceivedStatusCode, error.NextHop, error.Detail);
            if (status == StatusCodes.Status503ServiceUnavailable && error.RetryAfterSeconds is { } seconds)
            {
                // RFC 9110 section 10.2.3: delay-seconds, a non-negative integer.
                response.Headers.RetryAfter = ProxyStatusHeader.Seconds(seconds);
            }

            if (HttpMethods.IsHead(context.Request.Method))
            {
                return;
            }

            switch (ContentNegotiation.Choose(context.Request))
            {
                case ResponseBodyKind.Html:
                    response.ContentType = HtmlErrorPage.ContentType;
                    _pages.Write(response.BodyWriter, error);
                    await response.BodyWriter.FlushAsync(WriteToken(context)).ConfigureAwait(false);
                    break;

                case ResponseBodyKind.Grpc:
                    GrpcStatusAnswer.Write(context, error);
                    break;

                case ResponseBodyKind.ProblemJson:
                    await WriteProblemAsync(context, error, expose ? failure.Exception : null).ConfigureAwait(false);
                    break;

                default:
                    response.ContentType = PlainTextBody.ContentType;
                    PlainTextBody.Write(response.BodyWriter, error);
                    await response.BodyWriter.FlushAsync(WriteToken(context)).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception writeFailure)
        {
            // The error path must not throw: a second exception here would turn a 502 into a 500 or worse. A client
            // that left while the page was written (cancellation, or an I/O error on its closed connection) is not
            // worth an error entry.
            if (!WriteToken(context).IsCancellationRequested)
            {
                _reporter.ReportWriteFailure(context, Answer.Error(failure, status), writeFailure, traceId);
            }

            context.Abort();
        }
    }

    private async Task WriteProblemAsync(HttpContext context, ErrorResponse error, Exception? exception)
    {
        var problem = ProblemDetailsBody.Create(error);
        if (_problemDetails is not null
            && await _problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception }).ConfigureAwait(false))
        {
            return;
        }

        context.Response.ContentType = ProblemDetailsBody.ContentType;
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter, ProblemDetailsBody.WriterOptions))
        {
            ProblemDetailsBody.Write(writer, problem);
        }

        await context.Response.BodyWriter.FlushAsync(WriteToken(context)).ConfigureAwait(false);
    }

    /// <summary>The cause's message, after the destination that was called when there are several (YARP's destination id).</summary>
    private static string? DetailOf(UpstreamFailure failure)
    {
        var message = ExceptionChain.Cause(failure.Exception)?.Message;
        return failure.Destination is not { } destination ? message
            : message is null ? $"destination {destination}"
            : $"destination {destination}: {message}";
    }

    internal static string TraceIdOf(HttpContext context)
        => Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToHexString() : context.TraceIdentifier;

    private enum FindingKind
    {
        Success,
        NotOurs,
        Upstream,
        ClientGone,
        ClientFault,
    }

    /// <summary>What the endpoint's end says: success, an upstream failure, the client's doing, or an exception not ours.</summary>
    private readonly record struct Finding(FindingKind Kind, UpstreamFailure? Failure, string? UpstreamName, int ClientStatus, bool Called)
    {
        public static Finding NotOurs => new(FindingKind.NotOurs, null, null, 0, false);

        public static Finding Upstream(UpstreamFailure failure, bool called) => new(FindingKind.Upstream, failure, failure.Upstream, 0, called);

        public static Finding ClientGone(string? upstream) => new(FindingKind.ClientGone, null, upstream, 0, true);

        public static Finding ClientFault(string? upstream, int status) => new(FindingKind.ClientFault, null, upstream, status, true);
    }
}
