using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using GatewayErrors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// A real app with GatewayErrors in front of an endpoint that fails the way the query string says:
/// <c>?type=ConnectionRefused&amp;retry=30</c> (defaults: <see cref="GatewayErrorType.ConnectionRefused"/>, no Retry-After).
/// Any path works, so hostile paths reach the middleware too.
/// </summary>
internal sealed class PageHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 4, 9, 30, 15, TimeSpan.Zero);

    private PageHost(WebApplication app, CapturingLoggerProvider logs)
    {
        App = app;
        Logs = logs;
    }

    public WebApplication App { get; }

    public CapturingLoggerProvider Logs { get; }

    public ErrorPageRenderer Renderer => App.Services.GetRequiredService<ErrorPageRenderer>();

    /// <summary>The base address when started on Kestrel.</summary>
    public Uri? Address => App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.Select(static a => new Uri(a)).FirstOrDefault();

    public static async Task<PageHost> StartAsync(
        Action<GatewayErrorsOptions>? configure = null,
        string environment = "Production",
        string? contentRoot = null,
        bool kestrel = false,
        Action<IServiceCollection>? services = null,
        IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = environment,
            ContentRootPath = contentRoot ?? AppContext.BaseDirectory,
            ApplicationName = "GatewayErrors.Tests",
        });
        if (kestrel)
        {
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton<TimeProvider>(new FixedTimeProvider(Now));
        if (configure is null)
        {
            builder.Services.AddGatewayErrors();
        }
        else
        {
            builder.Services.AddGatewayErrors(configure);
        }

        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseGatewayErrors();
        app.Run(static context =>
        {
            var query = context.Request.Query;
            var type = Enum.TryParse<GatewayErrorType>(query["type"], out var parsed) ? parsed : GatewayErrorType.ConnectionRefused;
            TimeSpan? retry = int.TryParse(query["retry"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : null;
            throw new UpstreamFailureException(new UpstreamFailure("catalog", type)
            {
                RetryAfter = retry,
                NextHop = "catalog.internal:8080",
                Exception = new HttpRequestException("Connection refused (catalog.internal:8080)"),
            });
        });

        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new PageHost(app, logs);
    }

    public HttpClient CreateClient()
    {
        var client = Address is { } address ? new HttpClient { BaseAddress = address } : App.GetTestClient();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return client;
    }

    public async Task<(HttpResponseMessage Response, string Html)> GetAsync(string pathAndQuery, Action<HttpRequestMessage>? configure = null)
    {
        using var client = CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        configure?.Invoke(request);
        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A fresh content root with a <c>templates</c> folder holding <paramref name="files"/>; deleted on dispose.</summary>
    public static TempContentRoot ContentRoot(params (string Name, string Text)[] files)
    {
        var root = new TempContentRoot();
        foreach (var (name, text) in files)
        {
            root.Write(name, text);
        }

        return root;
    }

    public static IHtmlDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

internal sealed class TempContentRoot : IDisposable
{
    public TempContentRoot()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gwe-pages-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "templates"));
    }

    public string Path { get; }

    public void Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, "templates", name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A watcher may still hold the folder for a moment; the OS temp folder is cleaned eventually.
        }
    }
}

internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message);

internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception)));
    }
}
