using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// Kestrel on 127.0.0.1 whose <c>GET /slow</c> holds the request until <see cref="Release"/> is
/// called, the configured delay elapses, the client aborts or the upstream is disposed; <c>GET /ok</c>
/// answers 200 at once. Tests await <see cref="RequestReceived"/> instead of sleeping.
/// </summary>
internal sealed class SlowUpstream : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _requestReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _delay;
    private readonly RequestCounter _requests = new();
    private WebApplication? _app;

    private SlowUpstream(TimeSpan delay)
    {
        _delay = delay;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The <c>/slow</c> address.</summary>
    public Uri SlowAddress => new(BaseAddress, "slow");

    /// <summary>The <c>/ok</c> address.</summary>
    public Uri OkAddress => new(BaseAddress, "ok");

    /// <summary>Requests that reached <c>/slow</c>.</summary>
    public int RequestCount => _requests.Count;

    /// <summary>Completes when the first request reaches <c>/slow</c>.</summary>
    public Task RequestReceived => _requestReceived.Task;

    /// <param name="delay">How long <c>/slow</c> waits before its 200; infinite (the default) waits for
    /// <see cref="Release"/>.</param>
    public static async Task<SlowUpstream> StartAsync(TimeSpan? delay = null)
    {
        var upstream = new SlowUpstream(delay ?? Timeout.InfiniteTimeSpan);
        (upstream._app, upstream.BaseAddress) = await LoopbackKestrel.StartAsync(upstream.Map);
        return upstream;
    }

    /// <summary>Completes once at least <paramref name="count"/> requests reached <c>/slow</c>; fails after 10 s.</summary>
    public Task WaitForRequestsAsync(int count) => _requests.WaitForAsync(count);

    /// <summary>Lets every held and future <c>/slow</c> request answer 200.</summary>
    public void Release() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        // Unblock held requests first so Kestrel's graceful stop has nothing to wait for.
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/ok", () => Results.Text("ok"));
        app.MapGet("/slow", async (HttpContext context) =>
        {
            _requests.Increment();
            _requestReceived.TrySetResult();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try
            {
                await _release.Task.WaitAsync(_delay, linked.Token);
            }
            catch (TimeoutException)
            {
                // The configured delay elapsed: answer normally.
            }
            catch (OperationCanceledException)
            {
                context.Abort();
                return;
            }

            await context.Response.WriteAsync("slow", CancellationToken.None);
        });
    }
}
