using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    public Dictionary<string, string?> Configuration { get; } = [];

    public bool AddHandler { get; set; } = true;
}

/// <summary>
/// A real ASP.NET Core app on the test server: <c>UseGatewayErrors()</c> in front of endpoints that call an upstream
/// through a named client with <c>AddGatewayErrorsHandler()</c>, exactly as the README sets it up.
/// </summary>
/// <remarks>
/// Endpoints: <c>/proxy/{path}</c> forwards the method and path to the upstream and copies status and body
/// (buffered, the HttpClient default); <c>/stream/{path}</c> starts its own response, then streams the upstream body.
/// </remarks>
public sealed class GatewayTestApp : IAsyncDisposable
{
    private GatewayTestApp(WebApplication app, LogCapture logs)
    {
        App = app;
        Logs = logs;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public LogCapture Logs { get; }

    public static async Task<GatewayTestApp> StartAsync(Uri upstream, Action<GatewayTestAppSettings>? configure = null)
    {
        var settings = new GatewayTestAppSettings();
        configure?.Invoke(settings);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = settings.Environment });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(settings.Configuration);
        var logs = new LogCapture();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);

        if (settings.Options is { } options)
        {
            builder.Services.AddGatewayErrors(options);
        }
        else
        {
            builder.Services.AddGatewayErrors();
        }

        var client = builder.Services.AddHttpClient(settings.UpstreamName, c => c.BaseAddress = upstream);
        if (settings.AddHandler)
        {
            client.AddGatewayErrorsHandler();
        }

        settings.Client?.Invoke(client);
        settings.Services?.Invoke(builder.Services);

        var app = builder.Build();
        if (settings.Outer is { } outer)
        {
            app.Use(outer);
        }

        app.UseGatewayErrors();
        var name = settings.UpstreamName;
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
        settings.Endpoints?.Invoke(app);

        await app.StartAsync();
        return new GatewayTestApp(app, logs);
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
