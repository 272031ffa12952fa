using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// Kestrel speaking only HTTP/2 over plain TCP (h2c with prior knowledge, as internal gRPC-style services do), with
/// endpoints that misbehave the HTTP/2 way. Call it with <c>HttpVersion.Version20</c> and
/// <see cref="HttpVersionPolicy.RequestVersionExact"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>/reset/{code}</c>: RST_STREAM with that error code before any header (<see cref="IHttpResetFeature"/>).</item>
/// <item><c>/reset-mid-body</c>: headers, a <c>Content-Length: 1000</c> and 100 bytes of it, then RST_STREAM INTERNAL_ERROR.</item>
/// <item><c>/stall</c>: waits without answering until the request is aborted; <see cref="ShutDownNowAsync"/> then makes
/// Kestrel send GOAWAY and close the connection mid-request.</item>
/// <item><c>/ok</c>: a 200 with <c>ok</c>.</item>
/// </list>
/// </remarks>
internal sealed class Http2Upstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Http2Upstream(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Completes when a request to <c>/stall</c> has arrived.</summary>
    public Task Stalled => _stalled.Task;

    public static async Task<Http2Upstream> StartAsync()
    {
        Http2Upstream? upstream = null;
        var (app, baseAddress) = await LoopbackKestrel.StartAsync(app =>
        {
            app.MapGet("/ok", () => Results.Text("ok"));
            app.MapGet("/reset/{code:int}", (HttpContext context, int code) =>
            {
                context.Features.GetRequiredFeature<IHttpResetFeature>().Reset(code);
                return Task.CompletedTask;
            });
            app.MapGet("/reset-mid-body", async (HttpContext context) =>
            {
                context.Response.ContentLength = 1000;
                await context.Response.Body.WriteAsync(new byte[100]);
                await context.Response.Body.FlushAsync();
                context.Features.GetRequiredFeature<IHttpResetFeature>().Reset(0x2);
            });
            app.MapGet("/stall", async (HttpContext context) =>
            {
                upstream!._stalled.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            });
        }, protocols: HttpProtocols.Http2);
        upstream = new Http2Upstream(app, baseAddress);
        return upstream;
    }

    /// <summary>Stops the server without waiting for requests in flight: GOAWAY, then the connection is closed.</summary>
    public async Task ShutDownNowAsync()
    {
        using var now = new CancellationTokenSource();
        await now.CancelAsync();
        await _app.StopAsync(now.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await ShutDownNowAsync();
        await _app.DisposeAsync();
    }
}
