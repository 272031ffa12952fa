using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OutagePlayground;

/// <summary>
/// Starts the demo upstreams inside this process, each on its own OS-chosen port on 127.0.0.1, and stops them with
/// the app so Ctrl+C leaves no listener behind.
/// </summary>
/// <remarks>
/// Well-formed answers (200, 503, slow) come from a real Kestrel server; everything a real server would never send
/// on purpose comes from a <see cref="RawTcpUpstream"/>.
/// </remarks>
internal sealed partial class DemoUpstreams : IHostedService
{
    /// <summary>The "DNS failure" upstream: RFC 6761 section 6.4 reserves <c>.invalid</c>, so it never resolves.</summary>
    public static readonly Uri Unresolvable = new("http://catalog.invalid/");

    private readonly ILogger<DemoUpstreams> _logger;
    private WebApplication? _kestrel;
    private RawTcpUpstream? _reset;
    private RawTcpUpstream? _closed;
    private RawTcpUpstream? _garbage;
    private RawTcpUpstream? _stall;
    private RawTcpUpstream? _truncated;
    private RawTcpUpstream? _hugeHeaders;
    private Uri? _kestrelAddress;
    private Uri? _refused;
    private bool _inventoryBroken;

    public DemoUpstreams(ILogger<DemoUpstreams> logger) => _logger = logger;

    /// <summary>
    /// Gets the Kestrel upstream: <c>/</c> answers 200, <c>/busy</c> after 1 s, <c>/slow</c> after 5 s, <c>/unavailable</c>
    /// 503, <c>/inventory</c> 200 with the time it answered, or 503 while <see cref="InventoryBroken"/>.
    /// </summary>
    public Uri Kestrel => _kestrelAddress ?? throw NotStarted();

    /// <summary>Gets a port nothing listens on.</summary>
    public Uri Refused => _refused ?? throw NotStarted();

    public Uri Reset => AddressOf(_reset);

    public Uri Closed => AddressOf(_closed);

    public Uri Garbage => AddressOf(_garbage);

    public Uri Stall => AddressOf(_stall);

    public Uri Truncated => AddressOf(_truncated);

    public Uri HugeHeaders => AddressOf(_hugeHeaders);

    /// <summary>Gets or sets whether <c>/inventory</c> fails: the switch behind <c>/stale/break</c> and <c>/stale/fix</c>.</summary>
    public bool InventoryBroken
    {
        get => Volatile.Read(ref _inventoryBroken);
        set => Volatile.Write(ref _inventoryBroken, value);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _kestrel = BuildKestrelUpstream();
        await _kestrel.StartAsync(cancellationToken);

        // Kestrel writes the port the OS chose back into its addresses once it is listening.
        _kestrelAddress = new Uri(_kestrel.Urls.First());

        _reset = RawTcpUpstream.Start(ResetAsync);
        _closed = RawTcpUpstream.Start(CloseAsync);
        _garbage = RawTcpUpstream.Start(SendGarbageAsync);
        _stall = RawTcpUpstream.Start(StallAsync);
        _truncated = RawTcpUpstream.Start(TruncateBodyAsync);
        _hugeHeaders = RawTcpUpstream.Start(SendHugeHeaderAsync);

        // Taken last, so none of the listeners above can be handed the port after it is freed.
        _refused = new Uri($"http://127.0.0.1:{FreePort()}/");

        Log.Listening(_logger, "kestrel (healthy, busy, slow, unavailable, inventory)", Kestrel);
        Log.NotListening(_logger, "refused", Refused);
        Log.Listening(_logger, "reset", Reset);
        Log.Listening(_logger, "closed", Closed);
        Log.Listening(_logger, "garbage", Garbage);
        Log.Listening(_logger, "stall", Stall);
        Log.Listening(_logger, "truncated", Truncated);
        Log.Listening(_logger, "huge-headers", HugeHeaders);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var upstream in (RawTcpUpstream?[])[_reset, _closed, _garbage, _stall, _truncated, _hugeHeaders])
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync();
            }
        }

        _reset = _closed = _garbage = _stall = _truncated = _hugeHeaders = null;
        if (_kestrel is not null)
        {
            await _kestrel.StopAsync(cancellationToken);
            await _kestrel.DisposeAsync();
            _kestrel = null;
        }

        Log.Stopped(_logger);
    }

    private WebApplication BuildKestrelUpstream()
    {
        // The empty builder reads no configuration or environment variables, so the playground's own URL
        // (ASPNETCORE_URLS, launchSettings.json) cannot leak into the upstream.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(static kestrel => kestrel.Listen(IPAddress.Loopback, 0));

        // Even the empty builder registers a console lifetime, which would stop this server on Ctrl+C on its own,
        // cutting off calls the playground is still draining (they came back as 500s). Only StopAsync stops it.
        builder.Services.AddSingleton<IHostLifetime, StoppedByOwnerLifetime>();
        var app = builder.Build();
        var stopping = app.Lifetime.ApplicationStopping;
        app.Run(async context =>
        {
            using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            switch (context.Request.Path.Value)
            {
                case "/busy":
                    await Task.Delay(TimeSpan.FromSeconds(1), ending.Token);
                    break;

                case "/slow":
                    await Task.Delay(TimeSpan.FromSeconds(5), ending.Token);
                    break;

                case "/unavailable":
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    context.Response.Headers.RetryAfter = "30";
                    await context.Response.WriteAsync("Down for maintenance.\n", ending.Token);
                    return;

                case "/inventory" when InventoryBroken:
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    return;

                case "/inventory":
                    await context.Response.WriteAsync($"Inventory as of {DateTimeOffset.UtcNow:HH:mm:ss} UTC: 42 kettles, 7 teapots.\n", ending.Token);
                    return;
            }

            await context.Response.WriteAsync("Hello from the healthy upstream.\n", ending.Token);
        });
        return app;
    }

    private static Task ResetAsync(Socket socket, CancellationToken cancellationToken)
    {
        // A zero linger time makes Close send RST instead of FIN.
        socket.LingerState = new LingerOption(enable: true, seconds: 0);
        socket.Close();
        return Task.CompletedTask;
    }

    private static Task CloseAsync(Socket socket, CancellationToken cancellationToken)
    {
        socket.Shutdown(SocketShutdown.Both);
        return Task.CompletedTask;
    }

    private static async Task SendGarbageAsync(Socket socket, CancellationToken cancellationToken)
    {
        // What an HTTP client sees when it is pointed at the wrong port.
        await socket.SendAsync("SSH-2.0-OpenSSH_9.6\r\n"u8.ToArray(), SocketFlags.None, cancellationToken);
        socket.Shutdown(SocketShutdown.Both);
    }

    private static Task StallAsync(Socket socket, CancellationToken cancellationToken)
        => Task.Delay(Timeout.Infinite, cancellationToken);

    private static async Task TruncateBodyAsync(Socket socket, CancellationToken cancellationToken)
    {
        var response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
            + new string('x', 100);
        await socket.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None, cancellationToken);
        socket.Shutdown(SocketShutdown.Both);
    }

    private static async Task SendHugeHeaderAsync(Socket socket, CancellationToken cancellationToken)
    {
        // SocketsHttpHandler.MaxResponseHeadersLength defaults to 64 KB.
        var response = "HTTP/1.1 200 OK\r\nX-Padding: " + new string('x', 100 * 1024) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None, cancellationToken);
        socket.Shutdown(SocketShutdown.Both);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static Uri AddressOf(RawTcpUpstream? upstream) => upstream?.Address ?? throw NotStarted();

    private static InvalidOperationException NotStarted()
        => new("The demo upstreams are not listening yet: they start with the host.");

    /// <summary>A host lifetime that leaves starting and stopping to whoever owns the host.</summary>
    private sealed class StoppedByOwnerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Demo upstream {Upstream} listening on {Address}")]
        public static partial void Listening(ILogger logger, string upstream, Uri address);

        [LoggerMessage(2, LogLevel.Information, "Demo upstream {Upstream} at {Address}: nothing listens there")]
        public static partial void NotListening(ILogger logger, string upstream, Uri address);

        [LoggerMessage(3, LogLevel.Information, "Demo upstreams stopped")]
        public static partial void Stopped(ILogger logger);
    }
}
