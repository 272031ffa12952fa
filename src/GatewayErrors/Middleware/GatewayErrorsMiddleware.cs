using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Turns upstream failures that reach it into 502/503/504 responses; lets every other exception through untouched.
/// </summary>
/// <remarks>
/// Follows the safety rules of ASP.NET Core's exception handler middleware: the exception is captured and handled
/// outside the <c>catch</c>, a response that has already started is never rewritten, and a failure while writing
/// the error response is logged without replacing the original outcome.
/// </remarks>
internal sealed class GatewayErrorsMiddleware
{
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = false };

    private readonly RequestDelegate _next;
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly FailureReporter _reporter;
    private readonly TimeProvider _timeProvider;
    private readonly IProblemDetailsService? _problemDetails;
    private readonly ErrorPageRenderer _pages;
    private readonly UpstreamAvailability? _availability;
    private readonly IReportedFailureSource? _reported;
    private readonly StaleCopies? _stale;
    private readonly UpstreamFailureTranslators _failures;
    private readonly RequestDelegate _invokeCore;
    private readonly Func<HttpContext, UpstreamFailure, Task> _answerFailure;

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
        _stale = services.GetService<StaleCopies>();
        _failures = UpstreamFailureTranslators.From(services);
        _invokeCore = InvokeCore;
        _answerFailure = ReportAndWriteAsync;
    }

    // Stale-if-error: an endpoint that opted in keeps its last good response; the others cost one metadata lookup.
    public Task Invoke(HttpContext context)
        => _stale is not null && StaleCopies.Find(context) is { } stale ? _stale.InvokeAsync(context, stale, _invokeCore) : InvokeCore(context);

    private Task InvokeCore(HttpContext context)
    {
        if (_availability?.FindUnavailable(context) is { } unavailable)
        {
            // The route's upstream has an open or isolated circuit: answer before the endpoint runs, nothing thrown.
            return OfferAsync(context, unavailable);
        }

        Task next;
        try
        {
            next = _next(context);
        }
        catch (Exception exception)
        {
            return HandleAsync(context, ExceptionDispatchInfo.Capture(exception));
        }

        // The success path: a completed endpoint costs one check and no allocation.
        if (next.IsCompletedSuccessfully)
        {
            return _reported is null ? Task.CompletedTask : AnswerReportedAsync(context);
        }

        return AwaitNextAsync(context, next);
    }

    private async Task AwaitNextAsync(HttpContext context, Task next)
    {
        // Exceptions are what an outage costs: read a fault from the task instead of rethrowing it to catch it again.
        await next.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (next.IsCompletedSuccessfully)
        {
            if (_reported is not null)
            {
                await AnswerReportedAsync(context).ConfigureAwait(false);
            }

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

        await HandleAsync(context, captured).ConfigureAwait(false);
    }

    private Task HandleAsync(HttpContext context, ExceptionDispatchInfo captured)
    {
        var exception = captured.SourceException;
        var failure = _failures.Find(exception);

        if (context.RequestAborted.IsCancellationRequested && (failure is not null || exception is OperationCanceledException))
        {
            // The client went away: nobody is left to read an answer, and it is not the upstream's failure.
            return ClientAborted(context, failure?.Upstream);
        }

        if (failure is null)
        {
            captured.Throw();
        }

        if (failure.Upstream is null && DeclaredUpstream(context) is { } upstream)
        {
            // Classified here, without the handler: typically a body that failed while HttpClient buffered it, after the
            // handler chain had returned. An endpoint that declares the one upstream it calls names it, for free.
            failure = FailureFactory.WithUpstream(failure, upstream);
        }

        return AnswerAsync(context, failure);
    }

    /// <summary>The upstream an endpoint declared with <c>WithGatewayUpstreams(...)</c>, when it declared exactly one.</summary>
    private static string? DeclaredUpstream(HttpContext context)
        => context.GetEndpoint()?.Metadata.GetMetadata<GatewayUpstreamMetadata>() is { Upstreams: [var single] } ? single : null;

    /// <summary>A failure the endpoint reported without throwing (see <see cref="IReportedFailureSource"/>).</summary>
    private Task AnswerReportedAsync(HttpContext context)
    {
        if (!_reported!.TryGet(context, out var reported))
        {
            return Task.CompletedTask;
        }

        return reported.Failure is { } failure ? AnswerAsync(context, failure) : ClientAborted(context, reported.Upstream);
    }

    private Task ClientAborted(HttpContext context, string? upstream)
    {
        var request = context.Request;
        Log.ClientAborted(_reporter.Logger, request.Method, request.Path.Value ?? "/", upstream ?? FailureReporter.UnknownUpstream, TraceIdOf(context));
        if (!context.Response.HasStarted && context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
        }

        return Task.CompletedTask;
    }

    private Task AnswerAsync(HttpContext context, UpstreamFailure failure)
    {
        var request = context.Request;
        if (context.Response.HasStarted)
        {
            // A second status line is impossible and a cut body would read as a success: make the client see a failure.
            Log.ResponseAlreadyStarted(_reporter.Logger, failure.Upstream ?? FailureReporter.UnknownUpstream, ErrorTaxonomy.Get(failure.ErrorType).Name,
                request.Method, request.Path.Value ?? "/", TraceIdOf(context));
            context.Abort();
            return Task.CompletedTask;
        }

        return OfferAsync(context, failure);
    }

    // Every failure, the fail-fast 503 included, is offered to stale-if-error first: it serves a kept copy or answers
    // with the error page.
    private Task OfferAsync(HttpContext context, UpstreamFailure failure)
        => _stale is null ? ReportAndWriteAsync(context, failure) : _stale.AnswerAsync(context, failure, _answerFailure);

    private Task ReportAndWriteAsync(HttpContext context, UpstreamFailure failure)
    {
        var options = _options.CurrentValue;
        var status = ErrorTaxonomy.StatusFor(options, failure.ErrorType);
        var traceId = TraceIdOf(context);
        _reporter.Report(context, failure, status, traceId);
        return WriteAsync(context, options, failure, status, traceId);
    }

    private async Task WriteAsync(HttpContext context, GatewayErrorsOptions options, UpstreamFailure failure, int status, string traceId)
    {
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
                Notice = _availability?.MaintenanceNotice(failure) ?? ErrorNotice.For(options, failure.Upstream),
                Texts = _pages.TextsFor(context),
                CspNonce = options.CspNonce?.Invoke(context),
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
                ? ProxyStatusHeader.Cached(options.ProxyName ?? "gateway", type)
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
                    await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
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
                    await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception writeFailure)
        {
            // The error path must not throw: a second exception here would turn a 502 into a 500 or worse. A client
            // that left while the page was written (cancellation, or an I/O error on its closed connection) is not
            // worth an error entry.
            if (!context.RequestAborted.IsCancellationRequested)
            {
                Log.ErrorResponseFailed(_reporter.Logger, writeFailure, status, failure.Upstream ?? FailureReporter.UnknownUpstream, traceId);
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
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter, JsonOptions))
        {
            ProblemDetailsBody.Write(writer, problem);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The cause's message, after the destination that was called when there are several (YARP's destination id).</summary>
    private static string? DetailOf(UpstreamFailure failure)
    {
        var message = ExceptionChain.Cause(failure.Exception)?.Message;
        return failure.Destination is not { } destination ? message
            : message is null ? $"destination {destination}"
            : $"destination {destination}: {message}";
    }

    private static string TraceIdOf(HttpContext context)
        => Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToHexString() : context.TraceIdentifier;
}
