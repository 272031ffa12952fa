using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace GatewayErrors.Tests.StaleIfError;

/// <summary>
/// A gateway whose routes forward to a real upstream on 127.0.0.1 through the "catalog" client, copying the upstream's
/// status, headers and body: <c>/page/{path}</c> opts in with <c>WithStaleIfError</c> (endpoint name "page"),
/// <c>/plain/{path}</c> does not, <c>/marked/{path}</c> opts in and names its upstream (<c>WithGatewayUpstreams</c>). The upstream answers what <see cref="Respond"/> says until <see cref="Broken"/> is
/// set, then 503, which the gateway treats as a failure (<c>destination_unavailable</c>). <c>MinUses</c> is 1: the first
/// success is kept.
/// </summary>
internal sealed class StaleHost : IAsyncDisposable
{
    public static readonly TimeSpan DefaultMaxStale = TimeSpan.FromMinutes(5);

    private StaleHost(OkUpstream upstream, GatewayTestApp app)
    {
        Upstream = upstream;
        App = app;
    }

    private bool _stopped;

    public OkUpstream Upstream { get; }

    public GatewayTestApp App { get; }

    /// <summary>While true the upstream answers 503.</summary>
    public bool Broken { get; set; }

    /// <summary>What the upstream answers while not broken, given the 1-based request number; by default 200 "v{n}".</summary>
    public Func<HttpContext, int, Task> Respond { get; set; } = static (context, number) => context.Response.WriteAsync($"v{number}");

    public static async Task<StaleHost> StartAsync(Action<GatewayTestAppSettings>? configure = null, TimeSpan? maxStale = null)
    {
        StaleHost? host = null;
        var upstream = await OkUpstream.StartAsync((context, number) =>
        {
            if (host!.Broken)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            }

            return host.Respond(context, number);
        });
        try
        {
            var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            {
                s.Time = new FakeTimeProvider();
                s.Configuration["GatewayErrors:ProxyName"] = "shop";
                s.Configuration["GatewayErrors:Upstreams:catalog:TreatServerErrorsAsFailures"] = "true";

                // Most tests are about what happens to one success: keep on the first (the default, 2, has its own tests).
                s.Configuration["GatewayErrors:StaleIfError:MinUses"] = "1";
                configure?.Invoke(s);
                var endpoints = s.Endpoints;
                s.Endpoints = web =>
                {
                    web.MapMethods("/page/{**path}", ["GET", "HEAD", "POST"], ForwardAsync).WithStaleIfError(maxStale ?? DefaultMaxStale).WithName("page");
                    web.MapGet("/plain/{**path}", ForwardAsync);
                    web.MapGet("/marked/{**path}", ForwardAsync).WithStaleIfError(maxStale ?? DefaultMaxStale).WithGatewayUpstreams("catalog");
                    endpoints?.Invoke(web);
                };
            });
            host = new StaleHost(upstream, app);
            return host;
        }
        catch
        {
            await upstream.DisposeAsync();
            throw;
        }
    }

    public Task<HttpResponseMessage> GetAsync(string path, Action<HttpRequestMessage>? configure = null) => SendAsync(HttpMethod.Get, path, configure);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        configure?.Invoke(request);
        return await App.Client.SendAsync(request);
    }

    /// <summary>Sends a GET and returns its body, failing unless the answer is 200.</summary>
    public async Task<string> GetBodyAsync(string path, Action<HttpRequestMessage>? configure = null)
    {
        using var response = await GetAsync(path, configure);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Waits until the background write of a copy has reached the store (it never blocks the success).</summary>
    public async Task WaitForKeptAsync(string path)
    {
        var store = App.Services.GetRequiredService<StaleCopyStore>();
        var key = KeyOf(path, App.Address?.Authority);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await store.GetAsync(key) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"No copy of {path} was kept.");
            await Task.Delay(5);
        }
    }

    /// <summary>The cache key of a GET of <paramref name="path"/> (and query) on this host's test server, or on Kestrel at <paramref name="authority"/>.</summary>
    public static string KeyOf(string path, string? authority = null)
    {
        var query = path.IndexOf('?', StringComparison.Ordinal);
        return StaleCopyKey.For(new DefaultHttpContext
        {
            Request =
            {
                Scheme = "http",
                Host = new HostString(authority ?? "localhost"),
                Path = query < 0 ? path : path[..query],
                QueryString = query < 0 ? QueryString.Empty : new QueryString(path[query..]),
            },
        }.Request);
    }

    /// <summary>Stops the upstream: its port then refuses connections.</summary>
    public async Task StopUpstreamAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await Upstream.DisposeAsync();
        }
    }

    /// <summary>The entries GatewayErrors logged with event id <paramref name="id"/>.</summary>
    public IReadOnlyList<FakeLogRecord> Logged(int id) => App.Logs.FromGatewayErrors().Where(e => e.Id.Id == id).ToArray();

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await StopUpstreamAsync();
    }

    // A minimal reverse proxy: the method, path and Accept-Language go up; status, headers and body come back.
    private static async Task ForwardAsync(HttpContext context)
    {
        var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString);
        if (context.Request.Headers.AcceptLanguage.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Accept-Language", context.Request.Headers.AcceptLanguage.ToArray());
        }

        using var response = await client.SendAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name is not ("Transfer-Encoding" or "Connection" or "Content-Length" or "Date" or "Server"))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
