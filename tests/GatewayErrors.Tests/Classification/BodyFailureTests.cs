using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Classification;

/// <summary>
/// Body failures happen after the handler returned (HttpClient buffers the body outside the handler chain), so only the
/// exception reaches the middleware. An endpoint that declares the one upstream it calls
/// (<c>WithGatewayUpstreams("catalog")</c>) gets it named, at no cost to a successful call; otherwise it is unknown.
/// </summary>
public sealed class BodyFailureTests
{
    [Theory]
    [InlineData(MisbehaviorMode.TruncatedBody, 502, "http_response_incomplete")]
    [InlineData(MisbehaviorMode.StallMidBody, 504, "http_response_timeout")]
    public async Task BodyFails_EndpointDeclaresItsUpstream_NamesIt(MisbehaviorMode mode, int status, string errorType)
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(mode);
        await using var app = await StartAsync(upstream.BaseAddress, declare: true);

        using var response = await app.GetAsync("/buffered/items", "application/json");

        await AssertAsync(app, response, status, errorType, "catalog");
    }

    [Fact]
    public async Task BodyTooLarge_EndpointDeclaresItsUpstream_NamesIt()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.Ok);
        await using var app = await StartAsync(upstream.BaseAddress, declare: true, bufferLimit: 1);

        using var response = await app.GetAsync("/buffered/items", "application/json");

        await AssertAsync(app, response, 502, "http_response_body_size", "catalog");
    }

    [Fact]
    public async Task BodyFails_EndpointDeclaresNothing_UpstreamIsUnknown()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.TruncatedBody);
        await using var app = await StartAsync(upstream.BaseAddress, declare: false);

        using var response = await app.GetAsync("/buffered/items", "application/json");

        await AssertAsync(app, response, 502, "http_response_incomplete", FailureReporter.UnknownUpstream);
    }

    private static Task<GatewayTestApp> StartAsync(Uri upstream, bool declare, long? bufferLimit = null) => GatewayTestApp.StartAsync(upstream, s =>
    {
        s.Client = client => client.ConfigureHttpClient(c =>
        {
            // A stalled body is ended by HttpClient.Timeout: the attempt ends with the headers.
            c.Timeout = TimeSpan.FromSeconds(1);
            if (bufferLimit is { } limit)
            {
                c.MaxResponseContentBufferSize = limit;
            }
        });
        s.Endpoints = app =>
        {
            var endpoint = app.MapGet("/buffered/{**path}", async (HttpContext context, IHttpClientFactory factory, string? path) =>
            {
                using var answer = await factory.CreateClient("catalog").GetAsync(path ?? string.Empty, context.RequestAborted);
                return Results.Text(await answer.Content.ReadAsStringAsync(context.RequestAborted));
            });
            if (declare)
            {
                endpoint.WithGatewayUpstreams("catalog");
            }
        };
    });

    private static async Task AssertAsync(GatewayTestApp app, HttpResponseMessage response, int status, string errorType, string upstream)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(errorType, ProxyStatusError(response));
        var log = SingleFailureLog(app.Logs);
        Assert.Equal(errorType, log.GetStructuredStateValue("ErrorType"));
        Assert.Equal(upstream, log.GetStructuredStateValue("Upstream"));
    }
}
