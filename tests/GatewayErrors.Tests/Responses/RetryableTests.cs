using System.Net;
using System.Text.Json;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;

namespace GatewayErrors.Tests.Responses;

/// <summary>Problem details' <c>retryable</c>: a transient failure of an idempotent request, as the page's retry rule has it.</summary>
public sealed class RetryableTests
{
    [Theory]
    [InlineData("GET", true)]
    [InlineData("PUT", true)]
    [InlineData("DELETE", true)]
    [InlineData("POST", false)]
    [InlineData("PATCH", false)]
    public async Task UpstreamRefused_ProblemDetails_RetryableFollowsTheMethod(string method, bool expected)
    {
        await using var refusing = await RefusedPort.StartAsync();
        await using var gateway = await GatewayTestApp.StartAsync(refusing.BaseAddress);
        using var request = new HttpRequestMessage(new HttpMethod(method), "/proxy/orders");
        request.Headers.Accept.ParseAdd("application/problem+json");

        using var response = await gateway.Client.SendAsync(request);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(expected ? JsonValueKind.True : JsonValueKind.False, problem.RootElement.GetProperty("retryable").ValueKind);
    }

    [Theory]
    [InlineData(GatewayErrorType.ConnectionRefused, "GET", null, true)]
    [InlineData(GatewayErrorType.HttpResponseTimeout, "HEAD", null, true)]
    [InlineData(GatewayErrorType.ConnectionLimitReached, "OPTIONS", null, true)]
    [InlineData(GatewayErrorType.DestinationUnavailable, "GET", 30, true)]
    [InlineData(GatewayErrorType.DestinationUnavailable, "GET", null, false)]
    [InlineData(GatewayErrorType.DnsError, "GET", null, false)]
    [InlineData(GatewayErrorType.TlsCertificateError, "GET", null, false)]
    [InlineData(GatewayErrorType.UpstreamServerError, "GET", null, false)]
    [InlineData(GatewayErrorType.ConnectionRefused, "POST", null, false)]
    [InlineData(GatewayErrorType.DestinationUnavailable, "POST", 30, false)]
    public void IsRetryable_TransientTypeOrKnownWait_AndIdempotentMethod(GatewayErrorType type, string method, int? retryAfterSeconds, bool expected)
    {
        var error = new ErrorResponse
        {
            StatusCode = ErrorTaxonomy.Get(type).RecommendedStatus,
            ReasonPhrase = "x",
            Type = ErrorTaxonomy.Get(type),
            UpstreamDisplayName = "orders",
            TraceId = "t",
            Timestamp = DateTimeOffset.UnixEpoch,
            Method = method,
            Path = "/",
            RetryAfter = retryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        };

        Assert.Equal(expected, RetryRule.IsRetryable(error));
    }
}
