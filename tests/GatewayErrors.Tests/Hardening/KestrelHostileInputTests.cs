using System.Net;
using System.Net.Sockets;
using System.Text;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GatewayErrors.Tests.Hardening;

/// <summary>
/// Bytes only a raw socket can send (bytes of 0x80 and above in header values and the target, obs-fold, a NUL in the
/// path, oversized heads) to a real Kestrel app in front of a refused upstream. Kestrel may refuse a request itself
/// (400, 414, 431): that never reaches the app. Whatever reaches the app must get a well-formed 502, and nothing may
/// be logged at Error.
/// </summary>
[Trait("Category", "Hardening")]
public class KestrelHostileInputTests
{
    public static TheoryData<string, byte[], int[]> RawRequests() => new()
    {
        // Non-ASCII header bytes: Kestrel either refuses them (400) or passes them on decoded; both are fine, a 500 is not.
        { "invalid UTF-8 in User-Agent", Head("User-Agent: \u00ff\u00fe<script>\r\nAccept: text/html"), [400, 502] },
        { "UTF-8 markup in Accept-Language", Head("Accept-Language: " + Utf8AsLatin1("\u00e9\u4e2d<b id=gwx>") + "\r\nAccept: text/html"), [400, 502] },
        { "obs-fold", Head("Accept: text/html\r\nX-Folded: first\r\n  second"), [400] },
        { "NUL in the path", Raw("GET /proxy/h/%00 HTTP/1.1\r\nHost: x\r\n\r\n"), [400] },
        { "raw byte 0xFF in the target", Latin1("GET /proxy/h/\u00ff HTTP/1.1\r\nHost: x\r\n\r\n"), [400] },
        { "invalid UTF-8 escapes", Raw("GET /proxy/h/%C3%28/%FF/%ED%A0%80 HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n"), [502] },
        { "bare LF line ends", Raw("GET /proxy/h/lf HTTP/1.1\nHost: x\nAccept: application/json\n\n"), [400, 502] },
        { "CR inside a header value", Raw("GET /proxy/h/cr HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"), [400] },
        { "16 KB Accept", Head("Accept: text/html;" + new string('p', 16 * 1024)), [502] },
        { "48 KB of headers", Head(string.Join("\r\n", Enumerable.Range(0, 6).Select(i => $"X-Big-{i}: {new string('b', 8000)}"))), [431] },
        { "20 KB request line", Raw($"GET /proxy/h/{new string('a', 20 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n"), [414] },
        { "malformed traceparent", Head("traceparent: 00-<script>-zz-01\r\nAccept: application/json"), [502] },
        { "huge traceparent", Head("traceparent: 00-" + new string('f', 10_000) + "-00f067aa0ba902b7-01\r\nAccept: text/plain"), [502] },
        { "X-Forwarded-Host markup", Head("X-Forwarded-Host: \"><script>alert(1)</script>\r\nAccept: text/html"), [502] },
    };

    [Theory]
    [MemberData(nameof(RawRequests))]
    public async Task RawHostileRequest_GetsKestrelsRefusalOrAWellFormed502(string description, byte[] request, int[] allowed)
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await StartKestrelAsync(refused.BaseAddress);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

        var (status, head) = await SendRawAsync(address.Port, request);

        Assert.True(allowed.Contains(status), $"{description}: got {status}\n{head}");
        if (status == 502)
        {
            var proxyStatus = head.Split("\r\n").Single(l => l.StartsWith("Proxy-Status:", StringComparison.OrdinalIgnoreCase));
            var member = Assert.Single(StructuredFieldList.Parse(proxyStatus["Proxy-Status:".Length..].Trim()));
            Assert.Equal(new Token("connection_refused"), member["error"]);
        }

        Assert.DoesNotContain("gwx", head, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Services.GetFakeLogCollector().GetSnapshot(), static e => e.Level >= LogLevel.Error);
    }

    private static byte[] Head(string headers) => Latin1($"GET /proxy/h/items HTTP/1.1\r\nHost: x\r\n{headers}\r\n\r\n");

    private static byte[] Raw(string text) => Encoding.ASCII.GetBytes(CloseAfter(text));

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(CloseAfter(text));

    // Connection: close makes Kestrel close after its answer, so reading to the end is bounded. (Half-closing the socket
    // instead would look like a client that left, and the app rightly writes nothing then.)
    private static string CloseAfter(string text) => text.Contains("Host: x\r\n", StringComparison.Ordinal)
        ? text.Replace("Host: x\r\n", "Host: x\r\nConnection: close\r\n", StringComparison.Ordinal)
        : text.Replace("Host: x\n", "Host: x\nConnection: close\n", StringComparison.Ordinal);

    private static string Utf8AsLatin1(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends the bytes, reads until the server closes or a whole response arrived, returns the status and head.</summary>
    private static async Task<(int Status, string Head)> SendRawAsync(int port, byte[] request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(request);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0 && received.Length < 1024 * 1024)
        {
            received.Write(buffer, 0, read);
        }

        var text = Encoding.Latin1.GetString(received.ToArray());
        var head = text.Split("\r\n\r\n", 2)[0];
        Assert.StartsWith("HTTP/1.1 ", head, StringComparison.Ordinal);
        return (int.Parse(head.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture), head);
    }

    private static async Task<WebApplication> StartKestrelAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders().AddFakeLogging().SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddGatewayErrors();
        builder.Services.AddHttpClient("catalog", c => c.BaseAddress = upstream).AddGatewayErrorsHandler();
        var app = builder.Build();
        app.UseGatewayErrors();
        app.Map("/proxy/{**path}", async (IHttpClientFactory factory, HttpContext context, string? path) =>
            await factory.CreateClient("catalog").GetStringAsync(path ?? string.Empty, context.RequestAborted));
        await app.StartAsync();
        return app;
    }
}
