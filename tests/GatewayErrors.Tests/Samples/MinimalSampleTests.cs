using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Samples;

/// <summary>samples/Minimal answers what its README shows, with the refused port made certain instead of assumed (port 9).</summary>
public sealed class MinimalSampleTests(MinimalSampleTests.Sample sample) : IClassFixture<MinimalSampleTests.Sample>
{
    [Theory]
    [InlineData(null, "text/plain")]
    [InlineData("application/json", "application/problem+json")]
    [InlineData("text/html", "text/html")]
    public async Task RefusedCatalog_Returns502WithProxyStatusAndNoStore_InEveryFormat(string? accept, string mediaType)
    {
        using var response = await sample.App.GetAsync("/products", accept);
        var body = await response.Content.ReadAsStringAsync();

        await sample.App.AssertStatusAsync(502, response);
        Assert.Equal("Minimal;error=connection_refused", string.Join(", ", response.Headers.GetValues("Proxy-Status")));
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);

        // The app runs as Production: no host or port of the upstream anywhere.
        var everything = response.Headers + "\n" + body;
        Assert.DoesNotContain("127.0.0.1", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(":" + sample.Refused.Port, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedCatalog_PlainText_ReadsAsTheReadmeShows()
    {
        using var response = await sample.App.GetAsync("/products");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');

        Assert.Equal("502 Bad Gateway: Upstream service refused the connection", lines[0]);
        Assert.Equal("The service behind this site is not accepting connections.", lines[1]);
        Assert.Contains("Upstream: catalog", lines);
        Assert.Contains("Error type: connection_refused", lines);
        Assert.Contains(lines, static l => l.StartsWith("Trace id: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RefusedCatalog_Json_IsAProblemNamingTheErrorType()
    {
        using var response = await sample.App.GetAsync("/products", "application/json");

        var problem = await ProblemAsync(response);
        Assert.Equal(502, problem.GetProperty("status").GetInt32());
        Assert.Equal("connection_refused", problem.GetProperty("errorType").GetString());
        Assert.Equal("/products", problem.GetProperty("instance").GetString());
    }

    public sealed class Sample() : RefusedUpstreamSample("Minimal", "CatalogUrl");
}

/// <summary>samples/Minimal with <c>GatewayErrors__ExposeDetails=true</c>, as its README suggests: the host and port show.</summary>
public sealed class MinimalSampleExposeDetailsTests(MinimalSampleExposeDetailsTests.Sample sample) : IClassFixture<MinimalSampleExposeDetailsTests.Sample>
{
    [Fact]
    public async Task ExposeDetails_RefusedCatalog_NamesTheNextHop()
    {
        using var response = await sample.App.GetAsync("/products");
        var body = await response.Content.ReadAsStringAsync();

        await sample.App.AssertStatusAsync(502, response);
        var nextHop = "127.0.0.1:" + sample.Refused.Port;
        Assert.Equal(nextHop, ProxyStatus(response)["next-hop"]);
        Assert.Contains("\nNext hop: " + nextHop + "\n", body, StringComparison.Ordinal);
    }

    public sealed class Sample() : RefusedUpstreamSample("Minimal", "CatalogUrl", ("GatewayErrors__ExposeDetails", "true"));
}
