namespace GatewayErrors.Tests.Responses;

public sealed class PlainTextBodyTests
{
    [Fact]
    public void ControlCharactersInValues_CannotForgeLines()
    {
        var text = PlainTextBody.Render(new ErrorResponse
        {
            StatusCode = 502,
            ReasonPhrase = "Bad Gateway",
            Type = ErrorTaxonomy.Get(GatewayErrorType.ConnectionRefused),
            UpstreamDisplayName = "catalog\nTrace id: forged",
            TraceId = "abc",
            Timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Method = "GET",
            Path = "/",
            RetryAfter = TimeSpan.FromSeconds(2.5),
            NextHop = "10.0.0.1:80\r\nX: y",
            Detail = "refused\u001b[31m\u0085end",
        });

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("502 Bad Gateway: Upstream service refused the connection", lines[0]);
        // The unit is in the label, so no count reads "1 seconds".
        Assert.Contains("Retry after (seconds): 3", lines);
        Assert.Contains("Upstream: catalog Trace id: forged", lines);
        Assert.Single(lines, l => l.StartsWith("Trace id: ", StringComparison.Ordinal));
        Assert.Contains("Time (UTC): 2026-01-02 03:04:05", lines);
        Assert.Contains("Next hop: 10.0.0.1:80  X: y", lines);
        Assert.Contains("Detail: refused [31m end", lines);
        Assert.DoesNotContain('\r', text);
        Assert.DoesNotContain('\u001b', text);
    }
}
