using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GatewayErrors.Tests.Resilience.Support;

/// <summary>
/// The app under test: GatewayErrors' middleware in front of endpoints that call upstreams, on a TestServer, with
/// time from a <see cref="ManualTimeProvider"/> and every log entry captured.
/// </summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    private GatewayHost(WebApplication app, ManualTimeProvider time, CapturingLoggerProvider logs)
    {
        App = app;
        Time = time;
        Logs = logs;
        Client = app.GetTestClient();

        // A hung call should fail the test in seconds, not after HttpClient's 100 s.
        Client.Timeout = TimeSpan.FromSeconds(15);
    }

    public WebApplication App { get; }

    public ManualTimeProvider Time { get; }

    public CapturingLoggerProvider Logs { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<GatewayHost> StartAsync(
        IDictionary<string, string?> configuration,
        Action<IServiceCollection> services,
        Action<WebApplication> endpoints,
        string environment = "Production")
    {
        var time = new ManualTimeProvider();
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment, ApplicationName = "gateway-tests" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddGatewayErrors();
        services(builder.Services);
        var app = builder.Build();
        app.UseGatewayErrors();
        endpoints(app);
        await app.StartAsync();
        return new GatewayHost(app, time, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
