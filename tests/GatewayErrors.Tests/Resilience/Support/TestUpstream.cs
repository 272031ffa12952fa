using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GatewayErrors.Tests.Resilience.Support;

/// <summary>
/// A real upstream on 127.0.0.1 (Kestrel) that counts the connections and requests it receives, so tests can prove a
/// call did or did not reach it.
/// </summary>
internal sealed class TestUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _lock = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private int _connections;
    private int _requests;

    private TestUpstream(WebApplication app) => _app = app;

    /// <summary>What the upstream answers, given the 1-based number of the request.</summary>
    public Func<HttpContext, int, Task> Respond { get; set; } = static (_, _) => Task.CompletedTask;

    public Uri BaseAddress { get; private set; } = null!;

    public int Connections => Volatile.Read(ref _connections);

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<TestUpstream> StartAsync(Func<HttpContext, int, Task>? respond = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        TestUpstream? upstream = null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => connection =>
        {
            Interlocked.Increment(ref upstream!._connections);
            return next(connection);
        })));
        var app = builder.Build();
        upstream = new TestUpstream(app);
        if (respond is not null)
        {
            upstream.Respond = respond;
        }

        app.Run(context =>
        {
            var number = Interlocked.Increment(ref upstream._requests);
            upstream.Signal(number);
            return upstream.Respond(context, number);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        upstream.BaseAddress = new Uri(address);
        return upstream;
    }

    /// <summary>Answers with <paramref name="status"/>.</summary>
    public static Func<HttpContext, int, Task> Status(int status) => (context, _) =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    /// <summary>Never answers; ends when the caller gives up.</summary>
    public static Func<HttpContext, int, Task> Hang => static async (context, _) =>
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    };

    /// <summary>A port that was just free: connecting to it is refused.</summary>
    public static Uri RefusingAddress()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>Completes once the upstream has received at least <paramref name="count"/> requests.</summary>
    public Task WaitForRequestsAsync(int count)
    {
        lock (_lock)
        {
            if (Requests >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Signal(int number)
    {
        lock (_lock)
        {
            foreach (var waiter in _waiters.Where(w => w.Count <= number).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}
