using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// A well-behaved Kestrel upstream on 127.0.0.1: <c>GET /</c> answers 200 "ok";
/// <c>GET /status/{code}</c> answers that status (add <c>?retryAfter=N</c> for a <c>Retry-After</c> header).
/// A test that needs the answer to change from one request to the next sets <see cref="Respond"/>, which then answers
/// every request: still valid HTTP on a kept-alive connection, unlike <see cref="MisbehavingUpstream"/>.
/// </summary>
internal sealed class OkUpstream : IAsyncDisposable
{
    private readonly RequestCounter _requests = new();
    private WebApplication? _app;
    private int _connectionCount;

    private OkUpstream()
    {
    }

    public Uri BaseAddress { get; private set; } = null!;

    public int RequestCount => _requests.Count;

    /// <summary>TCP connections accepted so far: unchanged proves a call did not reach the upstream.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>When set, answers every request in place of the routes above, given the 1-based request number.</summary>
    public Func<HttpContext, int, Task>? Respond { get; set; }

    /// <param name="respond">The initial <see cref="Respond"/>.</param>
    public static async Task<OkUpstream> StartAsync(Func<HttpContext, int, Task>? respond = null)
    {
        var upstream = new OkUpstream { Respond = respond };
        (upstream._app, upstream.BaseAddress) = await LoopbackKestrel.StartAsync(
            upstream.Map,
            onConnection: () => Interlocked.Increment(ref upstream._connectionCount));
        return upstream;
    }

    /// <summary>A <see cref="Respond"/> that answers <paramref name="status"/> with an empty body.</summary>
    public static Func<HttpContext, int, Task> Status(int status) => Status(_ => status);

    /// <summary>A <see cref="Respond"/> that answers the status <paramref name="statusOf"/> gives the request number.</summary>
    public static Func<HttpContext, int, Task> Status(Func<int, int> statusOf) => (context, number) =>
    {
        context.Response.StatusCode = statusOf(number);
        return Task.CompletedTask;
    };

    public Uri StatusAddress(int statusCode) => new(BaseAddress, $"status/{statusCode}");

    /// <summary>Completes once at least <paramref name="count"/> requests arrived; fails after 10 s.</summary>
    public Task WaitForRequestsAsync(int count) => _requests.WaitForAsync(count);

    /// <summary>Stops the upstream (its port then refuses connections); a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private void Map(WebApplication app)
    {
        app.Use((context, next) =>
        {
            var number = _requests.Increment();
            return Respond is { } respond ? respond(context, number) : next(context);
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
