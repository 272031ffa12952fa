using System.Net;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Middleware;

public sealed class GatewayErrorsMiddlewareTests
{
    [Theory]
    [InlineData("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html")]
    [InlineData("application/json", "application/problem+json")]
    [InlineData("application/problem+json", "application/problem+json")]
    [InlineData("application/json;q=0.5, text/html", "text/html")]
    [InlineData("text/html;q=0.2, application/json", "application/problem+json")]
    [InlineData("text/plain", "text/plain")]
    [InlineData("*/*", "text/plain")]
    [InlineData(null, "text/plain")]
    [InlineData("this is not a media type", "text/plain")]
    public async Task BodyFollowsAccept_ContentTypeMatches(string? accept, string expectedMediaType)
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        using var response = await app.GetAsync("/proxy/items", accept);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(expectedMediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("refused", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ProblemDetails_CarryRfc9457MembersTraceIdAndErrorType()
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        using var response = await app.GetAsync("/proxy/items?q=1", "application/json");
        var problem = await ProblemAsync(response);

        Assert.Equal("https://www.rfc-editor.org/rfc/rfc9209#name-connection-refused", problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.Equal(502, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal("/proxy/items", problem.GetProperty("instance").GetString());
        Assert.Equal("connection_refused", problem.GetProperty("errorType").GetString());
        var traceId = problem.GetProperty("traceId").GetString();
        Assert.False(string.IsNullOrWhiteSpace(traceId));
        Assert.Equal(traceId, SingleFailureLog(app.Logs).GetStructuredStateValue("TraceId"));
    }

    [Fact]
    public async Task AppRegisteredProblemDetailsService_IsUsedForApiClients()
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Services = services => services.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Extensions["region"] = "eu-1"));

        using var response = await app.GetAsync("/proxy/items", "application/json");
        var problem = await ProblemAsync(response);

        Assert.Equal("eu-1", problem.GetProperty("region").GetString());
        Assert.Equal("connection_refused", problem.GetProperty("errorType").GetString());
        Assert.Equal(502, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Head_Returns502WithHeadersAndNoBody()
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        using var response = await app.SendAsync(HttpMethod.Head, "/proxy/items", "text/html");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("connection_refused", ProxyStatusError(response));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public async Task Production_LeaksNoHostPortOrExceptionMessage(string accept)
    {
        await using var upstream = await UntrustedTlsUpstream.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        using var response = await app.GetAsync("/proxy/items", accept);
        var everything = response.Headers + "\n" + response.Content.Headers + "\n" + await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain("127.0.0.1", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(upstream.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), everything, StringComparison.Ordinal);
        var exceptionMessage = SingleFailureLog(app.Logs).GetStructuredStateValue("ExceptionMessage");
        Assert.False(string.IsNullOrEmpty(exceptionMessage));
        Assert.DoesNotContain(exceptionMessage, everything, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", everything, StringComparison.Ordinal);
        Assert.Null(ProxyStatus(response)["next-hop"]);
        Assert.Null(ProxyStatus(response)["details"]);
    }

    [Theory]
    [InlineData("Development", null)]
    [InlineData("Production", true)]
    public async Task DevelopmentOrExposeDetails_ShowsNextHopAndDetails(string environment, bool? exposeDetails)
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
        {
            s.Environment = environment;
            s.Options = o => o.ExposeDetails = exposeDetails;
        });

        using var response = await app.GetAsync("/proxy/items", "application/json");

        var status = ProxyStatus(response);
        Assert.Equal($"127.0.0.1:{upstream.Port}", status["next-hop"]);
        Assert.IsType<string>(status["details"]);
        var problem = await ProblemAsync(response);
        Assert.Equal($"127.0.0.1:{upstream.Port}", problem.GetProperty("nextHop").GetString());
    }

    [Fact]
    public async Task ProxyStatusName_IsTheConfiguredIntermediaryName()
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s => s.Options = o => o.ProxyName = "shop edge #1");

        using var response = await app.GetAsync("/proxy/items");

        // Not a valid sf-token (space): written as an sf-string, still one valid list member.
        Assert.Equal("shop edge #1", ProxyStatus(response).Value);
    }

    [Fact]
    public async Task StatusCodeOverride_ReplacesTheRecommendedStatus()
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Configuration["GatewayErrors:StatusCodes:ConnectionRefused"] = "503");

        using var response = await app.GetAsync("/proxy/items");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("connection_refused", ProxyStatusError(response));
        Assert.Null(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Success_PassesThroughUntouched()
    {
        await using var upstream = await OkUpstream.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        using var response = await app.GetAsync("/proxy/", "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("Proxy-Status"));
        Assert.Empty(app.Logs.FromGatewayErrors());
        Assert.Null(response.Headers.CacheControl);
    }

    [Fact]
    public async Task Upstream5xx_PassesThroughByDefault()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ServerError, statusCode: 503);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        using var response = await app.GetAsync("/proxy/items");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.False(response.Headers.Contains("Proxy-Status"));
        Assert.Empty(app.Logs.FromGatewayErrors());
    }

    [Fact]
    public async Task NonUpstreamException_IsRethrownUntouched()
    {
        await using var upstream = await OkUpstream.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Endpoints = endpoints =>
            {
                endpoints.Map("/boom", (HttpContext _) => throw new InvalidOperationException("app bug"));
            });
        // TestServer surfaces an exception that escaped the whole pipeline to the caller.
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => app.GetAsync("/boom"));

        Assert.Equal("app bug", thrown.Message);
        Assert.Empty(app.Logs.FromGatewayErrors());
    }

    [Fact]
    public async Task ClientAborts_NothingWrittenLoggedAtDebugNotCountedAsFailure()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);
        using var abort = new CancellationTokenSource();

        var call = app.GetAsync("/proxy/slow", cancellationToken: abort.Token);
        await upstream.RequestReceived.WaitAsync(TimeSpan.FromSeconds(10));
        await abort.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var entry = await app.Logs.WaitForAsync(e => e.Id.Name == "ClientAborted");
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.Equal("catalog", entry.GetStructuredStateValue("Upstream"));
        Assert.DoesNotContain(app.Logs.FromGatewayErrors(), e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task ResponseAlreadyStarted_AbortsInsteadOfWritingASecondStatus()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.TruncatedBody);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress);

        // The client must see a failure, never a 200 with a silently cut body.
        var failure = await Record.ExceptionAsync(async () =>
        {
            using var response = await app.GetAsync("/stream/items");
            await response.Content.ReadAsByteArrayAsync();
        });

        Assert.NotNull(failure);
        var entry = await app.Logs.WaitForAsync(e => e.Id.Name == "ResponseAlreadyStarted");
        Assert.Equal("http_response_incomplete", entry.GetStructuredStateValue("ErrorType"));
        Assert.DoesNotContain(app.Logs.FromGatewayErrors(), e => e.Id.Id == 1);
    }

    [Fact]
    public async Task RawHttpRequestExceptionWithoutHandler_IsStillClassified()
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s => s.AddHandler = false);

        using var response = await app.GetAsync("/proxy/items");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("connection_refused", ProxyStatusError(response));
        Assert.Equal("(unknown)", SingleFailureLog(app.Logs).GetStructuredStateValue("Upstream"));
    }

    [Fact]
    public async Task HttpClientTimeoutWithoutHandler_Returns504()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
        {
            s.AddHandler = false;
            s.Client = client => client.ConfigureHttpClient(c => c.Timeout = TimeSpan.FromMilliseconds(300));
        });

        using var response = await app.GetAsync("/proxy/items");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("http_response_timeout", ProxyStatusError(response));
    }

    [Fact]
    public async Task FeatureIsSetForLaterCode()
    {
        await using var upstream = await RefusedPort.StartAsync();
        IGatewayErrorFeature? feature = null;
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Outer = async (context, next) =>
            {
                await next(context);
                feature = context.Features.Get<IGatewayErrorFeature>();
            });

        using var response = await app.GetAsync("/proxy/items");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.NotNull(feature);
        Assert.Equal(GatewayErrorType.ConnectionRefused, feature.Failure.ErrorType);
        Assert.Equal(502, feature.StatusCode);
        Assert.Equal("catalog", feature.Failure.Upstream);
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public async Task HostilePath_NeverComesBackLive(string accept)
    {
        await using var upstream = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s => s.Environment = "Development");

        using var response = await app.GetAsync("/proxy/%3Cscript%3Ealert(1)%3C%2Fscript%3E%22onmouseover=%22x", accept);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        // The page's own script tag is <script> now that an unset nonce writes no empty nonce="": look for the payload.
        Assert.DoesNotContain("<script>alert", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"onmouseover", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Upstream4xxViaEnsureSuccessStatusCode_IsTheAppsBusiness()
    {
        await using var upstream = await OkUpstream.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Endpoints = endpoints => endpoints.Map("/missing", async (IHttpClientFactory factory) =>
                await factory.CreateClient("catalog").GetStringAsync("status/404")));

        // A 404 is a correct answer from a healthy upstream: not a 502, and not a gateway failure in the logs.
        var exception = await Assert.ThrowsAsync<HttpRequestException>(() => app.GetAsync("/missing"));

        Assert.Equal(HttpStatusCode.NotFound, exception.StatusCode);
        Assert.Empty(app.Logs.FromGatewayErrors());
    }

    [Fact]
    public async Task Upstream5xxViaEnsureSuccessStatusCode_Returns502WithReceivedStatus()
    {
        await using var upstream = await OkUpstream.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s =>
            s.Endpoints = endpoints => endpoints.Map("/broken", async (IHttpClientFactory factory) =>
                await factory.CreateClient("catalog").GetStringAsync("status/500")));

        using var response = await app.GetAsync("/broken");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(500L, ProxyStatus(response)["received-status"]);
    }
}
