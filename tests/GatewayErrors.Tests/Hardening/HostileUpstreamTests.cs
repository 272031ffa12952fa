using System.Diagnostics;
using System.Net;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Hardening;

/// <summary>
/// Upstreams that never finish (endless headers, endless body, a byte at a time): the gateway answers with the right
/// error in bounded time and memory, and closes the upstream connection instead of draining it forever.
/// </summary>
/// <remarks>
/// Memory is compared with <see cref="GC.GetTotalMemory(bool)"/> after a full collection. The bounds are far below what
/// an unbounded read reaches (an endless body read with HttpClient's default limit buffered 1.3 GB in five seconds here,
/// and kept 2 GB in the shared array pool afterwards) and far above the noise (a test host and its log entries).
/// </remarks>
[Collection(HardeningTestGroup.Name)]
[Trait("Category", "Hardening")]
public class HostileUpstreamTests
{
    /// <summary>How long the upstream may wait for the gateway to close its connection once the answer is out.</summary>
    private static readonly TimeSpan ReleaseBound = TimeSpan.FromSeconds(10);

    /// <summary>A short client timeout, so the timeout tests take about a second.</summary>
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task EndlessHeaders_Returns502HeaderSectionSize_AndReleasesTheConnection()
    {
        await using var upstream = HostileUpstream.Start(HostileMode.EndlessHeaders);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);
        var before = ManagedMemory.Measure();

        using var response = await app.GetAsync("/proxy/items", "application/json");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("http_response_header_section_size", ProxyStatusError(response));
        await upstream.FirstConnectionClosed.WaitAsync(ReleaseBound);

        // SocketsHttpHandler stops at MaxResponseHeadersLength (64 KiB): nothing near a megabyte may stay.
        var after = ManagedMemory.Measure();
        Assert.True(after - before < 8 * ManagedMemory.MiB, ManagedMemory.Describe(before, after));
    }

    /// <summary>
    /// The regression test for HttpClient's default <c>MaxResponseContentBufferSize</c> of 2 GB: without the handler's
    /// limit this call buffered until the client timeout (504 after 1.3 GB) and the pool kept 2 GB.
    /// </summary>
    [Fact]
    public async Task EndlessBody_BufferedRead_Returns502AtTheBufferLimit_AndMemoryStaysBounded()
    {
        await using var upstream = HostileUpstream.Start(HostileMode.EndlessBody);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Client = c => c.ConfigureHttpClient(client => client.Timeout = TimeSpan.FromSeconds(30)));
        var before = ManagedMemory.Measure();

        using var response = await app.GetAsync("/proxy/items", "application/json");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("http_response_body_size", ProxyStatusError(response));
        await upstream.FirstConnectionClosed.WaitAsync(ReleaseBound);

        // The buffer grows to the 32 MiB default limit; the shared array pool may keep the last buffers it handed out
        // (at most about twice the limit), nothing more.
        var after = ManagedMemory.Measure();
        Assert.True(after - before < 3 * GatewayUpstreamOptions.DefaultMaxResponseContentBufferSize, ManagedMemory.Describe(before, after));
    }

    [Fact]
    public async Task EndlessBody_BufferLimitFromConfiguration_Returns502()
    {
        await using var upstream = HostileUpstream.Start(HostileMode.EndlessBody);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
        {
            s.Configuration["GatewayErrors:Upstreams:catalog:MaxResponseContentBufferSize"] = "65536";
            s.Endpoints = endpoints => endpoints.Map("/limit", (IHttpClientFactory factory) => factory.CreateClient("catalog").MaxResponseContentBufferSize);
        });

        Assert.Equal("65536", await app.Client.GetStringAsync("/limit"));
        using var response = await app.GetAsync("/proxy/items");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("http_response_body_size", ProxyStatusError(response));
    }

    [Fact]
    public async Task BufferLimitSetByTheApp_WinsOverTheDefault()
    {
        await using var upstream = HostileUpstream.Start(HostileMode.EndlessBody);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
        {
            s.Client = c => c.ConfigureHttpClient(client => client.MaxResponseContentBufferSize = 12345);
            s.Endpoints = endpoints => endpoints.Map("/limit", (IHttpClientFactory factory) => factory.CreateClient("catalog").MaxResponseContentBufferSize);
        });

        Assert.Equal("12345", await app.Client.GetStringAsync("/limit"));
    }

    [Fact]
    public async Task EndlessBody_Streamed_ClientLeaves_ReleasesTheUpstreamConnection()
    {
        await using var upstream = HostileUpstream.Start(HostileMode.EndlessBody);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);
        var before = ManagedMemory.Measure();

        using (var response = await app.Client.GetAsync("/stream/items", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            long read = 0;
            while (read < 16 * ManagedMemory.MiB)
            {
                var n = await body.ReadAsync(buffer);
                Assert.NotEqual(0, n);
                read += n;
            }
        }

        // Disposing the response aborts the request: the endpoint's copy is cancelled and the upstream response disposed.
        await upstream.FirstConnectionClosed.WaitAsync(ReleaseBound);
        var after = ManagedMemory.Measure();
        Assert.True(after - before < 16 * ManagedMemory.MiB, ManagedMemory.Describe(before, after));
    }

    [Theory]
    [InlineData(HostileMode.TrickleHeaders, "catalog")]
    // The body is buffered by HttpClient after the handler returned, so only the exception says what happened.
    [InlineData(HostileMode.TrickleBody, "(unknown)")]
    public async Task Trickle_BufferedRead_Returns504WhenTheClientTimeoutFires(HostileMode mode, string loggedUpstream)
    {
        await using var upstream = HostileUpstream.Start(mode);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Client = c => c.ConfigureHttpClient(client => client.Timeout = ClientTimeout));
        var watch = Stopwatch.StartNew();

        using var response = await app.GetAsync("/proxy/items", "application/json");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("http_response_timeout", ProxyStatusError(response));
        Assert.InRange(watch.Elapsed, ClientTimeout - TimeSpan.FromMilliseconds(50), ClientTimeout + TimeSpan.FromSeconds(5));
        Assert.Equal(loggedUpstream, SingleFailureLog(app.Logs).GetStructuredStateValue("Upstream"));
        await upstream.FirstConnectionClosed.WaitAsync(ReleaseBound);
        Assert.True(upstream.BytesSent < 10_000, $"{upstream.BytesSent} bytes trickled in {watch.Elapsed}");
    }

    [Fact]
    public async Task TrickleBody_Streamed_ClientLeaves_ReleasesTheUpstreamConnection()
    {
        await using var upstream = HostileUpstream.Start(HostileMode.TrickleBody);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        using (var response = await app.Client.GetAsync("/stream/items", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[16];
            var read = 0;
            while (read < 10)
            {
                var n = await body.ReadAsync(buffer);
                Assert.NotEqual(0, n);
                read += n;
            }
        }

        await upstream.FirstConnectionClosed.WaitAsync(ReleaseBound);
        Assert.Equal(1, upstream.ConnectionCount);
    }
}
