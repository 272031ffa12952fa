using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Tests.Responses;

public sealed class ProxyStatusHeaderTests
{
    [Fact]
    public void Format_WritesAValidListMemberWithEveryParameter()
    {
        var header = ProxyStatusHeader.Format("edge-1", ErrorTaxonomy.Get(GatewayErrorType.DestinationUnavailable), 503, "catalog:8080", "circuit open");

        var member = Assert.Single(StructuredFieldList.Parse(header));
        Assert.Equal(new Token("edge-1"), member.Value);
        Assert.Equal(new Token("destination_unavailable"), member["error"]);
        Assert.Equal(503L, member["received-status"]);
        Assert.Equal("catalog:8080", member["next-hop"]);
        Assert.Equal("circuit open", member["details"]);
    }

    [Theory]
    [InlineData("quote \" and backslash \\", "quote \" and backslash \\")]
    [InlineData("line\r\nbreak", "line??break")]
    [InlineData("caf\u00e9 \u2603", "caf? ?")]
    [InlineData("\u0000\u001b[31m", "??[31m")]
    public void Format_HostileDetails_StayInsideOneValidString(string details, string expected)
    {
        var header = ProxyStatusHeader.Format("edge", ErrorTaxonomy.Get(GatewayErrorType.HttpProtocolError), null, null, details);

        var member = Assert.Single(StructuredFieldList.Parse(header));
        Assert.Equal(expected, member["details"]);
        Assert.DoesNotContain('\n', header);
    }

    [Fact]
    public void Format_UpstreamServerError_HasNoErrorParameter()
    {
        var header = ProxyStatusHeader.Format("edge", ErrorTaxonomy.Get(GatewayErrorType.UpstreamServerError), 500, null, null);

        var member = Assert.Single(StructuredFieldList.Parse(header));
        Assert.Null(member["error"]);
        Assert.Equal(500L, member["received-status"]);
    }

    [Fact]
    public void ErrorTypeTable_CoversEveryTypeWithTheRfc9209RecommendedStatus()
    {
        var expected = new Dictionary<GatewayErrorType, (string? Token, int Status)>
        {
            [GatewayErrorType.HttpProtocolError] = ("http_protocol_error", 502),
            [GatewayErrorType.DnsError] = ("dns_error", 502),
            [GatewayErrorType.DnsTimeout] = ("dns_timeout", 504),
            [GatewayErrorType.DestinationIpUnroutable] = ("destination_ip_unroutable", 502),
            [GatewayErrorType.ConnectionRefused] = ("connection_refused", 502),
            [GatewayErrorType.ConnectionTimeout] = ("connection_timeout", 504),
            [GatewayErrorType.ConnectionTerminated] = ("connection_terminated", 502),
            [GatewayErrorType.ConnectionLimitReached] = ("connection_limit_reached", 503),
            [GatewayErrorType.TlsCertificateError] = ("tls_certificate_error", 502),
            [GatewayErrorType.TlsProtocolError] = ("tls_protocol_error", 502),
            [GatewayErrorType.HttpResponseHeaderSectionSize] = ("http_response_header_section_size", 502),
            [GatewayErrorType.HttpResponseIncomplete] = ("http_response_incomplete", 502),
            [GatewayErrorType.HttpResponseTimeout] = ("http_response_timeout", 504),
            [GatewayErrorType.DestinationUnavailable] = ("destination_unavailable", 503),
            [GatewayErrorType.UpstreamServerError] = (null, 502),
            [GatewayErrorType.HttpResponseBodySize] = ("http_response_body_size", 502),
        };

        Assert.Equal(expected.Count, Enum.GetValues<GatewayErrorType>().Length);
        foreach (var (type, (token, status)) in expected)
        {
            var info = ErrorTaxonomy.Get(type);
            Assert.Equal(token, info.Token);
            Assert.Equal(status, info.RecommendedStatus);
        }
    }
}
