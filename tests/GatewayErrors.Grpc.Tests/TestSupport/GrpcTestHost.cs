using System.Net;
using GatewayErrors.Grpc.Tests.Protos;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace GatewayErrors.Grpc.Tests.TestSupport;

/// <summary>How a <see cref="GrpcTestHost"/> is set up.</summary>
public sealed class GrpcTestHostSettings
{
    public string Environment { get; set; } = "Production";

    /// <summary>The HTTP versions Kestrel speaks; HTTP/2 alone on plain TCP is h2c with prior knowledge, as gRPC clients use it.</summary>
    public HttpProtocols Protocols { get; set; } = HttpProtocols.Http2;

    /// <summary>Configuration keys, read after the app's own sources.</summary>
    public Dictionary<string, string?> Configuration { get; set; } = [];

    /// <summary>Registers the app's services (AddGatewayErrors, clients, AddGrpc...).</summary>
    public Action<IServiceCollection>? Services { get; set; }

    /// <summary>Adds middleware and endpoints; <c>UseGatewayErrors()</c> is the test's to place.</summary>
    public Action<WebApplication>? App { get; set; }
}

/// <summary>
/// A real ASP.NET Core app on Kestrel (127.0.0.1, an OS-chosen port, h2c by default) with every log entry collected:
/// the gateway, or the gRPC upstream, of a test.
/// </summary>
public sealed class GrpcTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestHost(WebApplication app)
    {
        _app = app;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public FakeLogCollector Logs => _app.Services.GetFakeLogCollector();

    public static async Task<GrpcTestHost> StartAsync(Action<GrpcTestHostSettings> configure)
    {
        var settings = new GrpcTestHostSettings();
        configure(settings);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = settings.Environment,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "GatewayErrors.Grpc.Tests",
        });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = settings.Protocols));
        builder.Configuration.AddInMemoryCollection(settings.Configuration);
        builder.Logging.ClearProviders().AddFakeLogging().SetMinimumLevel(LogLevel.Debug);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        settings.Services?.Invoke(builder.Services);

        var app = builder.Build();
        settings.App?.Invoke(app);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new GrpcTestHost(app);
    }

    /// <summary>A gRPC channel to this host over h2c; the caller disposes it.</summary>
    public GrpcChannel Channel(Action<GrpcChannelOptions>? configure = null)
    {
        var options = new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } };
        configure?.Invoke(options);
        return GrpcChannel.ForAddress(Address, options);
    }

    /// <summary>A Greeter client on a new channel; disposing the host does not dispose it, so tests keep it in a using.</summary>
    public (GrpcChannel Channel, Greeter.GreeterClient Client) Greeter(Action<GrpcChannelOptions>? configure = null)
    {
        var channel = Channel(configure);
        return (channel, new Greeter.GreeterClient(channel));
    }

    /// <summary>An HttpClient that speaks HTTP/2 with prior knowledge to this host, for raw requests.</summary>
    public HttpClient Http2Client()
        => new(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = Address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(15),
        };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
