using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GatewayErrors.Tests.TestSupport;

/// <summary>How a <see cref="GatewayTestApp"/> is set up.</summary>
public sealed class GatewayTestAppSettings
{
    public string Environment { get; set; } = "Production";

    public string UpstreamName { get; set; } = "catalog";

    public Action<GatewayErrorsOptions>? Options { get; set; }

    public Action<IServiceCollection>? Services { get; set; }

    public Action<IHttpClientBuilder>? Client { get; set; }

    public Action<WebApplication>? Endpoints { get; set; }

    /// <summary>Middleware placed before <c>UseGatewayErrors()</c>, so it sees what GatewayErrors did.</summary>
    public Func<HttpContext, RequestDelegate, Task>? Outer { get; set; }

    /// <summary>In-memory configuration, read after the app's own sources (so a test's keys win).</summary>
    public Dictionary<string, string?> Configuration { get; set; } = [];

    public bool AddHandler { get; set; } = true;

    /// <summary>When set, the app's clock: tests move it with <see cref="FakeTimeProvider.Advance"/>.</summary>
    public FakeTimeProvider? Time { get; set; }

    /// <summary>The content root (where <c>TemplatesPath</c> is resolved); the test output folder by default.</summary>
    public string? ContentRoot { get; set; }

    /// <summary>Kestrel on 127.0.0.1 with an OS-chosen port instead of the test server, for clients that need a real
    /// socket (a browser); <see cref="GatewayTestApp.Address"/> is then set.</summary>
    public bool Kestrel { get; set; }
}

/// <summary>
/// A real ASP.NET Core app on the test server (or Kestrel on 127.0.0.1): <c>UseGatewayErrors()</c> in front of
/// endpoints that call an upstream through a named client with <c>AddGatewayErrorsHandler()</c>, exactly as the README
/// sets it up, with every log entry captured.
/// </summary>
/// <remarks>
/// Endpoints, when started with an upstream: <c>/proxy/{path}</c> forwards the method and path to the upstream and
/// copies status and body (buffered, the HttpClient default); <c>/stream/{path}</c> starts its own response, then
/// streams the upstream body. Tests add their own with <see cref="GatewayTestAppSettings.Endpoints"/>.
/// </remarks>
public sealed class GatewayTestApp : IAsyncDisposable
{
    private readonly FakeTimeProvider? _time;

    private GatewayTestApp(WebApplication app, FakeTimeProvider? time)
    {
        App = app;
        Logs = app.Services.GetFakeLogCollector();
        _time = time;
        Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.Select(static a => new Uri(a)).FirstOrDefault();
        Client = Address is { } address ? new HttpClient { BaseAddress = address } : app.GetTestClient();

        // A hung call should fail the test in seconds, not after HttpClient's 100 s.
        Client.Timeout = TimeSpan.FromSeconds(15);
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    public HttpClient Client { get; }

    public FakeLogCollector Logs { get; }

    /// <summary>The base address when started on Kestrel; null on the test server.</summary>
    public Uri? Address { get; }

    /// <summary>The app's clock, when started with <see cref="GatewayTestAppSettings.Time"/>.</summary>
    public FakeTimeProvider Time => _time ?? throw new InvalidOperationException("Start the app with s.Time = new FakeTimeProvider() to move its clock.");

    /// <summary>Starts the app with a named client (<see cref="GatewayTestAppSettings.UpstreamName"/>) for <paramref name="upstream"/>.</summary>
    public static Task<GatewayTestApp> StartAsync(Uri upstream, Action<GatewayTestAppSettings>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        return StartCoreAsync(upstream, configure);
    }

    /// <summary>Starts the app without a client of its own: the test registers clients and endpoints.</summary>
    public static Task<GatewayTestApp> StartAsync(Action<GatewayTestAppSettings>? configure = null) => StartCoreAsync(null, configure);

    /// <summary>
    /// Starts an app that holds nothing but <paramref name="key"/> = <paramref name="value"/> in its configuration and
    /// returns the <see cref="OptionsValidationException"/> its start must fail with, having checked its message
    /// contains <paramref name="expected"/>.
    /// </summary>
    public static async Task<OptionsValidationException> AssertStartFailsAsync(string key, string value, string expected)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(s => s.Configuration[key] = value));
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
        return exception;
    }

    private static async Task<GatewayTestApp> StartCoreAsync(Uri? upstream, Action<GatewayTestAppSettings>? configure)
    {
        var settings = new GatewayTestAppSettings();
        configure?.Invoke(settings);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = settings.Environment,
            ContentRootPath = settings.ContentRoot ?? AppContext.BaseDirectory,
            ApplicationName = "GatewayErrors.Tests",
        });
        if (settings.Kestrel)
        {
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Configuration.AddInMemoryCollection(settings.Configuration);
        builder.Logging.ClearProviders().AddFakeLogging().SetMinimumLevel(LogLevel.Debug);
        if (settings.Time is { } time)
        {
            builder.Services.AddSingleton<TimeProvider>(time);
        }

        if (settings.Options is { } options)
        {
            builder.Services.AddGatewayErrors(options);
        }
        else
        {
            builder.Services.AddGatewayErrors();
        }

        if (upstream is not null)
        {
            var client = builder.Services.AddHttpClient(settings.UpstreamName, c => c.BaseAddress = upstream);
            if (settings.AddHandler)
            {
                client.AddGatewayErrorsHandler();
            }

            settings.Client?.Invoke(client);
        }

        settings.Services?.Invoke(builder.Services);

        var app = builder.Build();
        if (settings.Outer is { } outer)
        {
            app.Use(outer);
        }

        app.UseGatewayErrors();
        if (upstream is not null)
        {
            MapProxyEndpoints(app, settings.UpstreamName);
        }

        settings.Endpoints?.Invoke(app);

        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new GatewayTestApp(app, settings.Time);
    }

    private static void MapProxyEndpoints(WebApplication app, string name)
    {
        app.Map("/proxy/{**path}", async (HttpContext context, IHttpClientFactory factory, string? path) =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), path ?? string.Empty);
            using var response = await factory.CreateClient(name).SendAsync(request, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        app.Map("/stream/{**path}", async (HttpContext context, IHttpClientFactory factory, string? path) =>
        {
            using var response = await factory.CreateClient(name).GetAsync(path ?? string.Empty, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            await context.Response.StartAsync(context.RequestAborted);
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            await body.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? accept = null, CancellationToken cancellationToken = default)
        => SendAsync(HttpMethod.Get, path, accept, cancellationToken);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? accept = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return await Client.SendAsync(request, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
