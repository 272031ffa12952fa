using System.Net;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Tests.Handler;

/// <summary>The handler on its own, as app code sees it: what it throws, and what it leaves alone.</summary>
public sealed class GatewayErrorsHandlerTests
{
    [Fact]
    public async Task Failure_ThrowsHttpRequestExceptionThatKeepsTheOriginalError()
    {
        await using var upstream = await RefusedPort.StartAsync();
        using var services = Services(upstream.BaseAddress);
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        // Existing catch (HttpRequestException) blocks keep working.
        var exception = await Assert.ThrowsAsync<UpstreamFailureException>(() => client.GetAsync("items"));
        HttpRequestException asRequest = exception;

        Assert.Equal(HttpRequestError.ConnectionError, asRequest.HttpRequestError);
        Assert.IsType<HttpRequestException>(exception.InnerException);
        Assert.Equal("catalog", exception.Failure.Upstream);
        Assert.Equal(GatewayErrorType.ConnectionRefused, exception.Failure.ErrorType);
        Assert.Equal($"127.0.0.1:{upstream.Port}", exception.Failure.NextHop);
        Assert.NotNull(exception.Failure.Elapsed);
        Assert.Same(exception.InnerException, exception.Failure.Exception);
    }

    [Fact]
    public async Task SynchronousSend_ClassifiesToo()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.Garbage);
        using var services = Services(upstream.BaseAddress);
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        var exception = Assert.Throws<UpstreamFailureException>(() => client.Send(new HttpRequestMessage(HttpMethod.Get, "items")));

        Assert.Equal(GatewayErrorType.HttpProtocolError, exception.Failure.ErrorType);
    }

    [Fact]
    public async Task CallerCancels_CancellationIsRethrownUntouched()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        using var services = Services(upstream.BaseAddress);
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");
        using var cancel = new CancellationTokenSource();

        var call = client.GetAsync("slow", cancel.Token);
        await upstream.RequestReceived.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();

        var exception = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(cancel.Token, exception.CancellationToken);
    }

    [Fact]
    public async Task HttpClientTimeout_StaysATaskCanceledExceptionWithTimeoutInside()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        using var services = Services(upstream.BaseAddress, timeout: TimeSpan.FromMilliseconds(200));
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        // Callers that catch the timeout by type keep working; the handler's cancellation names the upstream.
        var exception = await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetAsync("items"));

        Assert.IsType<TimeoutException>(exception.InnerException);
        var canceled = Assert.IsType<UpstreamCanceledException>(exception.InnerException.InnerException);
        Assert.Equal("catalog", canceled.Failure.Upstream);
        Assert.Equal(GatewayErrorType.HttpResponseTimeout, canceled.Failure.ErrorType);
    }

    [Fact]
    public async Task Success_ReturnsTheUpstreamResponse()
    {
        await using var upstream = await OkUpstream.StartAsync();
        using var services = Services(upstream.BaseAddress);
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

        using var response = await client.GetAsync(string.Empty);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ExplicitUpstreamName_IsUsedInsteadOfTheClientName()
    {
        await using var upstream = await RefusedPort.StartAsync();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddGatewayErrors();
        services.AddHttpClient("catalog-v2", c => c.BaseAddress = upstream.BaseAddress).AddGatewayErrorsHandler("catalog");
        using var provider = services.BuildServiceProvider();

        var exception = await Assert.ThrowsAsync<UpstreamFailureException>(
            () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog-v2").GetAsync("items"));

        Assert.Equal("catalog", exception.Failure.Upstream);
    }

    private static ServiceProvider Services(Uri upstream, TimeSpan? timeout = null)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddGatewayErrors();
        services.AddHttpClient("catalog", c =>
        {
            c.BaseAddress = upstream;
            c.Timeout = timeout ?? c.Timeout;
        }).AddGatewayErrorsHandler();
        return services.BuildServiceProvider();
    }
}
