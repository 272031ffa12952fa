using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace GatewayErrors.Yarp.Tests.TestSupport;

/// <summary>How a <see cref="YarpTestGateway"/> is set up.</summary>
public sealed class YarpTestGatewaySettings
{
    public string Environment { get; set; } = "Production";

    public string ClusterId { get; set; } = "catalog";

    /// <summary>When false, the same proxy without GatewayErrors: what YARP alone answers.</summary>
    public bool GatewayErrors { get; set; } = true;

    /// <summary>YARP's activity timeout for the cluster (its default is 100 s).</summary>
    public TimeSpan? ActivityTimeout { get; set; }

    /// <summary>A route timeout (ASP.NET Core request timeouts, which YARP uses for a route's <c>Timeout</c>).</summary>
    public TimeSpan? RouteTimeout { get; set; }

    /// <summary>Configuration keys, read after the defaults above (so a test's keys win).</summary>
    public Dictionary<string, string?> Configuration { get; set; } = [];

    /// <summary>Runs after the wiring the README shows, before the app is built.</summary>
    public Action<IServiceCollection>? Services { get; set; }

    /// <summary>Runs before the wiring (before <c>AddReverseProxy()</c>).</summary>
    public Action<IServiceCollection>? ServicesFirst { get; set; }
}

/// <summary>
/// A real YARP reverse proxy on Kestrel (127.0.0.1, an OS-chosen port) wired exactly as docs/yarp.md says, with one
/// route (<c>/{**catch-all}</c>) to one cluster, in front of a real upstream; every log entry is collected.
/// </summary>
public sealed class YarpTestGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private YarpTestGateway(WebApplication app, FakeLogCollector logs, string clusterId)
    {
        _app = app;
        Logs = logs;
        ClusterId = clusterId;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

        // A hung call should fail the test in seconds, not after HttpClient's 100 s.
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(15) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public FakeLogCollector Logs { get; }

    public string ClusterId { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the proxy with one destination, <paramref name="destination"/>; <see langword="null"/> configures none.</summary>
    public static async Task<YarpTestGateway> StartAsync(Uri? destination, Action<YarpTestGatewaySettings>? configure = null)
    {
        var settings = new YarpTestGatewaySettings();
        configure?.Invoke(settings);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = settings.Environment,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "GatewayErrors.Yarp.Tests",
        });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));

        var cluster = settings.ClusterId;
        var configuration = new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:route1:ClusterId"] = cluster,
            ["ReverseProxy:Routes:route1:Match:Path"] = "{**catch-all}",
        };
        if (destination is not null)
        {
            configuration[$"ReverseProxy:Clusters:{cluster}:Destinations:primary:Address"] = destination.ToString();
        }
        else
        {
            // A cluster needs at least one key to exist: an empty destination list.
            configuration[$"ReverseProxy:Clusters:{cluster}:LoadBalancingPolicy"] = "FirstAlphabetical";
        }

        if (settings.ActivityTimeout is { } activity)
        {
            configuration[$"ReverseProxy:Clusters:{cluster}:HttpRequest:ActivityTimeout"] = activity.ToString("c");
        }

        if (settings.RouteTimeout is { } timeout)
        {
            configuration["ReverseProxy:Routes:route1:Timeout"] = timeout.ToString("c");
        }

        foreach (var (key, value) in settings.Configuration)
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);

        var logs = new FakeLogCollector();
        builder.Logging.ClearProviders().AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Debug);

        settings.ServicesFirst?.Invoke(builder.Services);
        var proxy = builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        if (settings.GatewayErrors)
        {
            builder.Services.AddGatewayErrors();
            proxy.AddGatewayErrors();
        }

        if (settings.RouteTimeout is not null)
        {
            builder.Services.AddRequestTimeouts();
        }

        settings.Services?.Invoke(builder.Services);

        var app = builder.Build();
        if (settings.GatewayErrors)
        {
            app.UseGatewayErrors();
        }

        if (settings.RouteTimeout is not null)
        {
            // YARP applies a route's Timeout through ASP.NET Core's request timeouts, which must run after routing.
            app.UseRouting();
            app.UseRequestTimeouts();
        }

        app.MapReverseProxy();

        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new YarpTestGateway(app, logs, cluster);
    }

    /// <summary>Sends a GET for <paramref name="path"/> asking for <paramref name="accept"/>.</summary>
    public Task<HttpResponseMessage> GetAsync(string path = "/", string? accept = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>GatewayErrors' entries (category <c>GatewayErrors...</c>).</summary>
    public IReadOnlyList<FakeLogRecord> GatewayErrorsLogs
        => Logs.GetSnapshot().Where(IsGatewayErrors).ToArray();

    private static bool IsGatewayErrors(FakeLogRecord record) => record.Category?.StartsWith("GatewayErrors", StringComparison.Ordinal) == true;

    /// <summary>Waits until GatewayErrors logged event <paramref name="eventId"/>; fails after 10 s.</summary>
    public Task<FakeLogRecord> WaitForGatewayErrorsLogAsync(int eventId)
        => WaitForLogAsync(r => r.Id.Id == eventId && IsGatewayErrors(r));

    /// <summary>Waits until an entry matching <paramref name="match"/> was logged; fails after 10 s.</summary>
    public async Task<FakeLogRecord> WaitForLogAsync(Func<FakeLogRecord, bool> match)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        if (Logs.GetSnapshot().FirstOrDefault(match) is { } earlier)
        {
            return earlier;
        }

        try
        {
            await foreach (var record in Logs.GetLogsAsync(deadline.Token))
            {
                if (match(record))
                {
                    return record;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException("No matching log entry. Logged: " + string.Join(" | ", Logs.GetSnapshot().Select(static r => $"{r.Id.Name}: {r.Message}")));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
