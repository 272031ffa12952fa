using System.Net;
using System.Text.Json;
using GatewayErrors.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace GatewayErrors.Yarp.Tests.TestSupport;

/// <summary>What every generated gateway error must show, whatever the failure.</summary>
public static class GatewayErrorAssertions
{
    /// <summary>The Accept headers a browser, an API client and a script send, and the media type each must get.</summary>
    public static readonly (string Accept, string MediaType)[] Negotiation =
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/json", "application/problem+json"),
        ("*/*", "text/plain"),
    ];

    /// <summary>Parses Proxy-Status as an RFC 8941 list and returns its only member.</summary>
    public static StructuredItem ProxyStatus(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Proxy-Status", out var values), "The response has no Proxy-Status header.");
        return Assert.Single(StructuredFieldList.Parse(string.Join(", ", values)));
    }

    /// <summary>
    /// Status, parsed Proxy-Status with <paramref name="token"/>, no-store, the negotiated media type, and in
    /// Production no address, port or exception text anywhere in headers or body.
    /// </summary>
    public static async Task<string> AssertGatewayErrorAsync(HttpResponseMessage response, HttpStatusCode status, string token, string mediaType,
        params string[] secrets)
    {
        Assert.Equal(status, response.StatusCode);
        var proxyStatus = ProxyStatus(response);
        Assert.Equal(token, Assert.IsType<Token>(proxyStatus["error"]).Value);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);

        var body = await response.Content.ReadAsStringAsync();
        Assert.NotEmpty(body);
        if (mediaType == "application/problem+json")
        {
            using var problem = JsonDocument.Parse(body);
            Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
            Assert.Equal(token, problem.RootElement.GetProperty("errorType").GetString());
        }

        var everything = string.Join('\n', response.Headers.Select(static h => $"{h.Key}: {string.Join(",", h.Value)}")) + '\n' + body;
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, everything, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Null(proxyStatus["next-hop"]);
        Assert.Null(proxyStatus["details"]);
        return body;
    }

    /// <summary>GatewayErrors' one failure entry (event 1, UpstreamFailure), naming the cluster and the type.</summary>
    public static FakeLogRecord SingleFailureLog(YarpTestGateway gateway, string token)
    {
        var entry = Assert.Single(gateway.GatewayErrorsLogs, static r => r.Id.Id == 1);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal(gateway.ClusterId, entry.GetStructuredStateValue("Upstream"));
        Assert.Equal(token, entry.GetStructuredStateValue("ErrorType"));
        return entry;
    }
}
