using System.Globalization;
using System.Net.Http.Headers;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// The error-page scenario on a <see cref="GatewayTestApp"/>: GatewayErrors in front of an endpoint that fails the way
/// the query string says, <c>?type=ConnectionRefused&amp;retry=30</c> (defaults:
/// <see cref="GatewayErrorType.ConnectionRefused"/>, no Retry-After), with the clock stopped at <see cref="Now"/>.
/// Any path works, so hostile paths reach the middleware too.
/// </summary>
internal sealed class PageHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 4, 9, 30, 15, TimeSpan.Zero);

    private readonly GatewayTestApp _app;

    private PageHost(GatewayTestApp app) => _app = app;

    public WebApplication App => _app.App;

    public FakeLogCollector Logs => _app.Logs;

    public ErrorPageRenderer Renderer => App.Services.GetRequiredService<ErrorPageRenderer>();

    /// <summary>The base address when started on Kestrel.</summary>
    public Uri? Address => _app.Address;

    public static async Task<PageHost> StartAsync(
        Action<GatewayErrorsOptions>? configure = null,
        string environment = "Production",
        string? contentRoot = null,
        bool kestrel = false,
        Dictionary<string, string?>? settings = null,
        Func<HttpContext, RequestDelegate, Task>? outer = null,
        Action<IServiceCollection>? services = null)
    {
        var app = await GatewayTestApp.StartAsync(s =>
        {
            s.Environment = environment;
            s.ContentRoot = contentRoot;
            s.Kestrel = kestrel;
            s.Options = configure;
            s.Time = new FakeTimeProvider(Now);
            s.Configuration = settings ?? [];
            s.Outer = outer;
            s.Services = services;

            s.Endpoints = static endpoints => endpoints.Run(static context =>
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
        });
        return new PageHost(app);
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

    /// <summary>The only script a page may hold is GatewayErrors' own, inline, byte for byte (its CSP hash depends on it).</summary>
    public static void AssertOnlyOwnScript(IHtmlDocument document)
    {
        foreach (var script in document.Scripts)
        {
            Assert.False(script.HasAttribute("src"), "a page script must be inline");
            Assert.Equal(BuiltInTemplates.RetryScript, script.TextContent);
        }
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
