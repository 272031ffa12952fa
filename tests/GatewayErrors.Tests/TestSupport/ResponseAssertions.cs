using System.Text.Json;
using Microsoft.Extensions.Logging.Testing;

namespace GatewayErrors.Tests.TestSupport;

/// <summary>Reads the parts of a gateway error response that tests assert on.</summary>
public static class ResponseAssertions
{
    /// <summary>Parses Proxy-Status as an RFC 8941 list and returns its only member.</summary>
    public static StructuredItem ProxyStatus(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Proxy-Status", out var values), "The response has no Proxy-Status header.");
        var members = StructuredFieldList.Parse(string.Join(", ", values));
        return Assert.Single(members);
    }

    /// <summary>The <c>error</c> parameter of Proxy-Status, which must be a token.</summary>
    public static string ProxyStatusError(HttpResponseMessage response)
        => Assert.IsType<Token>(ProxyStatus(response)["error"]).Value;

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public static FakeLogRecord SingleFailureLog(FakeLogCollector logs)
        => Assert.Single(logs.FromGatewayErrors(), e => e.Id.Id == 1);
}
