using Microsoft.AspNetCore.Http;

namespace GatewayErrors.Grpc.Tests.Responses;

/// <summary>The pieces of the trailers-only answer: which requests get it, the status table, and the message's encoding.</summary>
public sealed class GrpcStatusAnswerTests
{
    /// <summary>The table docs/grpc.md documents, one row per error type: a type added without a row fails here.</summary>
    private static readonly Dictionary<GatewayErrorType, int> Documented = new()
    {
        [GatewayErrorType.HttpProtocolError] = 14,
        [GatewayErrorType.DnsError] = 14,
        [GatewayErrorType.DnsTimeout] = 4,
        [GatewayErrorType.DestinationIpUnroutable] = 14,
        [GatewayErrorType.ConnectionRefused] = 14,
        [GatewayErrorType.ConnectionTimeout] = 4,
        [GatewayErrorType.ConnectionTerminated] = 14,
        [GatewayErrorType.ConnectionLimitReached] = 8,
        [GatewayErrorType.TlsCertificateError] = 14,
        [GatewayErrorType.TlsProtocolError] = 14,
        [GatewayErrorType.HttpResponseHeaderSectionSize] = 14,
        [GatewayErrorType.HttpResponseIncomplete] = 14,
        [GatewayErrorType.HttpResponseTimeout] = 4,
        [GatewayErrorType.DestinationUnavailable] = 14,
        [GatewayErrorType.UpstreamServerError] = 14,
        [GatewayErrorType.HttpResponseBodySize] = 14,
    };

    [Fact]
    public void EveryErrorType_MapsToTheDocumentedGrpcStatus()
    {
        foreach (var type in Enum.GetValues<GatewayErrorType>())
        {
            Assert.True(Documented.TryGetValue(type, out var expected), $"docs/grpc.md and this table have no row for {type}.");
            Assert.Equal(expected, (int)GrpcStatusAnswer.StatusFor(type));
        }
    }

    [Fact]
    public void DocsGrpcMd_ListsEveryTokenWithItsStatus()
    {
        var doc = File.ReadAllText(GatewayErrors.Tests.TestSupport.RepositoryRoot.Combine("docs", "grpc.md"));
        foreach (var (type, status) in Documented)
        {
            var token = ErrorTaxonomy.Get(type).Name;
            var name = GrpcStatusAnswer.StatusFor(type) switch
            {
                GrpcStatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
                GrpcStatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
                _ => "UNAVAILABLE",
            };
            Assert.Contains($"| `{token}` | {ErrorTaxonomy.Get(type).RecommendedStatus} | `{name}` ({status}) |", doc, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("application/grpc", "application/grpc")]
    [InlineData("application/grpc+proto", "application/grpc")]
    [InlineData("application/grpc+json", "application/grpc")]
    [InlineData("Application/GRPC", "application/grpc")]
    [InlineData("application/grpc-web", "application/grpc-web")]
    [InlineData("application/grpc-web+proto", "application/grpc-web")]
    [InlineData("application/grpc-web-text", "application/grpc-web-text")]
    [InlineData("application/grpc-web-text+proto", "application/grpc-web-text")]
    [InlineData("application/grpc; charset=utf-8", "application/grpc")]
    [InlineData("application/grpcx", null)]
    [InlineData("application/grpc-webby", null)]
    [InlineData("application/json", null)]
    [InlineData(null, null)]
    public void ResponseContentType_AnswersGrpcAndGrpcWebOnly(string? request, string? expected)
        => Assert.Equal(expected, GrpcStatusAnswer.ResponseContentType(request));

    [Fact]
    public void ContentNegotiation_GrpcContentType_WinsOverAccept()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/grpc+proto";
        context.Request.Headers.Accept = "text/html";

        Assert.Equal(ResponseBodyKind.Grpc, ContentNegotiation.Choose(context.Request));
    }

    [Theory]
    [InlineData("Upstream service refused the connection", "Upstream service refused the connection")]
    [InlineData("100% down", "100%25 down")]
    [InlineData("line\r\nbreak", "line%0D%0Abreak")]
    [InlineData("Dienst für Grüße", "Dienst f%C3%BCr Gr%C3%BC%C3%9Fe")]
    [InlineData("拒否", "%E6%8B%92%E5%90%A6")]
    [InlineData("tab\tand ~", "tab%09and ~")]
    public void PercentEncode_FollowsTheGrpcOverHttp2Grammar(string message, string expected)
        => Assert.Equal(expected, GrpcStatusAnswer.PercentEncode(message));

    [Fact]
    public void PercentEncode_AsciiTitle_ReturnsTheSameInstance()
    {
        var title = "Upstream service timed out";

        Assert.Same(title, GrpcStatusAnswer.PercentEncode(title));
    }

    [Theory]
    [InlineData(5.0, "5000")]
    [InlineData(0.0015, "2")]
    [InlineData(-1.0, "0")]
    public void RetryPushback_IsTheWaitInWholeMillisecondsRoundedUp(double seconds, string expected)
        => Assert.Equal(expected, GrpcStatusAnswer.RetryPushback(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void RetryPushback_UnknownWait_IsNotSent()
        => Assert.Null(GrpcStatusAnswer.RetryPushback(null));
}
