using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Grpc;

/// <summary>
/// Turns an upstream failure that escapes a gRPC service method into the <see cref="RpcException"/> of its RFC 9209 type:
/// the gRPC status of <see cref="GrpcStatusAnswer.StatusFor"/>, the localized title as the detail, the type in a
/// <c>proxy-status</c> trailer and the known wait as <c>grpc-retry-pushback-ms</c>, after reporting it through the core's
/// one reporter.
/// </summary>
/// <remarks>
/// Grpc.AspNetCore catches whatever a service method throws and answers <c>UNKNOWN</c>, so <c>UseGatewayErrors()</c>
/// never sees these failures; this is the same find → choose → report step at the one place that can. An exception that
/// is not an upstream failure is rethrown untouched. The success path is the continuation's own task, not awaited here.
/// </remarks>
internal sealed class GatewayErrorsInterceptor : Interceptor
{
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly FailureReporter _reporter;
    private readonly ErrorPageRenderer _pages;
    private readonly UpstreamFailureTranslators _translators;

    public GatewayErrorsInterceptor(IOptionsMonitor<GatewayErrorsOptions> options, FailureReporter reporter, IServiceProvider services)
    {
        _options = options;
        _reporter = reporter;
        _pages = services.GetRequiredService<ErrorPageRenderer>();
        _translators = UpstreamFailureTranslators.From(services);
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (StatusFor(exception, context) is { } answer)
        {
            throw answer;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (StatusFor(exception, context) is { } answer)
        {
            throw answer;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (StatusFor(exception, context) is { } answer)
        {
            throw answer;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (StatusFor(exception, context) is { } answer)
        {
            throw answer;
        }
    }

    /// <summary>
    /// The status to end the call with, or <see langword="null"/> to let the exception through. Runs in the exception
    /// filter, before any unwinding, and never throws: a failure here would replace the call's outcome.
    /// </summary>
    private RpcException? StatusFor(Exception exception, ServerCallContext context)
    {
        // A status the service set itself is not an upstream failure: the translators leave it alone (see RpcExceptionTranslator).
        if (context.GetHttpContext() is not { } http)
        {
            return null;
        }

        try
        {
            if (_translators.Find(exception) is not { } failure)
            {
                return null;
            }

            if (http.RequestAborted.IsCancellationRequested)
            {
                // The caller went away: nobody is left to read the status, and it is not the upstream's failure.
                _reporter.Report(http, Answer.ClientLeft(failure.Upstream, StatusCodes.Status499ClientClosedRequest), TraceIdOf(http));
                return new RpcException(new Status(StatusCode.Cancelled, "The call was canceled by the client."));
            }

            if (failure.Upstream is null
                && http.GetEndpoint()?.Metadata.GetMetadata<GatewayUpstreamMetadata>() is { Upstreams: [var declared] })
            {
                // A service mapped with WithGatewayUpstreams("name") names its one upstream, as an endpoint does.
                failure = FailureFactory.WithUpstream(failure, declared);
            }

            var options = _options.CurrentValue;
            var type = ErrorTaxonomy.Get(failure.ErrorType);
            _reporter.Report(http, Answer.Error(failure, ErrorTaxonomy.StatusFor(options, failure.ErrorType)), TraceIdOf(http));

            var trailers = new Metadata { { GrpcStatusAnswer.ProxyStatusTrailer, GrpcStatusAnswer.ProxyStatus(options, failure) } };
            if (GrpcStatusAnswer.RetryPushback(failure.RetryAfter) is { } pushback)
            {
                trailers.Add(GrpcStatusAnswer.RetryPushbackHeader, pushback);
            }

            // Grpc.AspNetCore percent-encodes the detail into grpc-message itself.
            var status = new Status((StatusCode)(int)GrpcStatusAnswer.StatusFor(failure.ErrorType), GrpcStatusAnswer.Title(type, _pages.TextsFor(http)));
            return new RpcException(status, trailers);
        }
#pragma warning disable CA1031 // The error path never throws: keep the original outcome rather than a second failure.
        catch (Exception answerFailure)
#pragma warning restore CA1031
        {
            Log.ErrorResponseFailed(_reporter.Logger, answerFailure, StatusCodes.Status500InternalServerError, FailureReporter.UnknownUpstream, TraceIdOf(http));
            return null;
        }
    }

    private static string TraceIdOf(HttpContext context)
        => Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToHexString() : context.TraceIdentifier;
}
