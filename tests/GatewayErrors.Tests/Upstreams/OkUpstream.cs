using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// A well-behaved Kestrel upstream on 127.0.0.1: <c>GET /</c> answers 200 "ok";
/// <c>GET /status/{code}</c> answers that status (add <c>?retryAfter=N</c> for a <c>Retry-After</c> header).
/// </summary>
internal sealed class OkUpstream : IAsyncDisposable
{
    private WebApplication? _app;
    private int _requestCount;

    private OkUpstream()
    {
    }

    public Uri BaseAddress { get; private set; } = null!;

    public int RequestCount => Volatile.Read(ref _requestCount);

    public static async Task<OkUpstream> StartAsync()
    {
        var upstream = new OkUpstream();
        (upstream._app, upstream.BaseAddress) = await LoopbackKestrel.StartAsync(upstream.Map);
        return upstream;
    }

    public Uri StatusAddress(int statusCode) => new(BaseAddress, $"status/{statusCode}");

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private void Map(WebApplication app)
    {
        app.Use((context, next) =>
        {
            Interlocked.Increment(ref _requestCount);
            return next(context);
        });
        app.MapGet("/", () => Results.Text("ok"));
        app.MapGet("/status/{code:int}", (int code, int? retryAfter, HttpContext context) =>
        {
            if (retryAfter is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Results.Text($"status {code}", statusCode: code);
        });
    }
}
