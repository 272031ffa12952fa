using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// Proves each fixture fails the way it promises, seen from a plain SocketsHttpHandler client, so a
/// broken fixture fails here rather than as a puzzling classifier test. Expected shapes are the ones
/// measured on .NET 10 / Linux / OpenSSL 3.
/// </summary>
public sealed class UpstreamFixturesTests
{
    // A backstop only: no test here waits for it.
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RefusedPort_Get_ThrowsConnectionErrorWithConnectionRefused()
    {
        await using var port = await RefusedPort.StartAsync();
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(port.BaseAddress));

        Assert.Equal(HttpRequestError.ConnectionError, ex.HttpRequestError);
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(ex.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task StalledConnectPort_ConnectTimeoutElapses_ThrowsTaskCanceledWithTimeout()
    {
        await using var port = await StalledConnectPort.StartAsync();
        using var client = CreateClient(handler => handler.ConnectTimeout = TimeSpan.FromMilliseconds(300));

        var ex = await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetAsync(port.BaseAddress));

        Assert.Contains("ConnectTimeout", Assert.IsType<TimeoutException>(ex.InnerException).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MisbehavingUpstream_ResetOnConnect_ThrowsAConnectionResetShape()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ResetOnConnect);
        using var client = CreateClient();

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync(upstream.BaseAddress));

        // Where the RST lands decides the shape (measured over 1000 runs): during connect
        // (HRE ConnectionError -> SocketException), on read or write (HRE Unknown -> IOException ->
        // SocketException), or, rarely, in the pool's RemoteEndPoint lookup (a bare SocketException NotConnected).
        var socketError = ex switch
        {
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError, InnerException: SocketException inner } => inner.SocketErrorCode,
            HttpRequestException { HttpRequestError: HttpRequestError.Unknown, InnerException: IOException { InnerException: SocketException inner } } => inner.SocketErrorCode,
            SocketException bare => bare.SocketErrorCode,
            _ => throw new InvalidOperationException("Unexpected shape.", ex),
        };
        Assert.Contains(socketError, new[] { SocketError.ConnectionReset, SocketError.NotConnected });
        Assert.Equal(1, upstream.ConnectionCount);
        Assert.Equal(0, upstream.RequestCount);
    }

    [Fact]
    public async Task MisbehavingUpstream_ResetAfterRequest_ThrowsUnknownWithConnectionReset()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ResetAfterRequest);
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(upstream.BaseAddress));

        Assert.Equal(HttpRequestError.Unknown, ex.HttpRequestError);
        var io = Assert.IsType<IOException>(ex.InnerException);
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(io.InnerException).SocketErrorCode);
        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Fact]
    public async Task MisbehavingUpstream_CloseAfterRequest_ThrowsResponseEnded()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.CloseAfterRequest);
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(upstream.BaseAddress));

        Assert.Equal(HttpRequestError.ResponseEnded, ex.HttpRequestError);
        Assert.Equal(HttpRequestError.ResponseEnded, Assert.IsType<HttpIOException>(ex.InnerException).HttpRequestError);
        // SocketsHttpHandler retries a GET whose connection closes before any response byte, 3 more times.
        Assert.Equal(4, upstream.RequestCount);
    }

    [Fact]
    public async Task MisbehavingUpstream_CloseAfterRequestForPost_ThrowsResponseEndedWithoutRetry()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.CloseAfterRequest);
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(upstream.BaseAddress, new StringContent("x")));

        Assert.Equal(HttpRequestError.ResponseEnded, ex.HttpRequestError);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task MisbehavingUpstream_Garbage_ThrowsInvalidResponse()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.Garbage);
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(upstream.BaseAddress));

        Assert.Equal(HttpRequestError.InvalidResponse, ex.HttpRequestError);
        Assert.Null(ex.InnerException);
    }

    [Fact]
    public async Task MisbehavingUpstream_HugeHeader_ThrowsConfigurationLimitExceeded()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.HugeHeader);
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(upstream.BaseAddress));

        Assert.Equal(HttpRequestError.ConfigurationLimitExceeded, ex.HttpRequestError);
    }

    [Fact]
    public async Task MisbehavingUpstream_HugeHeader_SucceedsWhenLimitIsRaised()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.HugeHeader);
        using var client = CreateClient(handler => handler.MaxResponseHeadersLength = 128); // KiB, above the ~100 KB header

        using var response = await client.GetAsync(upstream.BaseAddress);

        Assert.Equal(MisbehavingUpstream.HugeHeaderLength, Assert.Single(response.Headers.GetValues("X-Huge")).Length);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MisbehavingUpstream_TruncatedBody_BufferedReadThrowsResponseEnded()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.TruncatedBody);
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(upstream.BaseAddress));

        Assert.Equal(HttpRequestError.ResponseEnded, ex.HttpRequestError);
        Assert.Equal(HttpRequestError.ResponseEnded, Assert.IsType<HttpIOException>(ex.InnerException).HttpRequestError);
    }

    [Fact]
    public async Task MisbehavingUpstream_TruncatedBody_StreamedReadGets200ThenResponseEnded()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.TruncatedBody);
        using var client = CreateClient();

        using var response = await client.GetAsync(upstream.BaseAddress, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MisbehavingUpstream.DeclaredBodyLength, response.Content.Headers.ContentLength);
        var ex = await Assert.ThrowsAsync<HttpIOException>(() => body.CopyToAsync(Stream.Null));
        Assert.Equal(HttpRequestError.ResponseEnded, ex.HttpRequestError);
    }

    [Fact]
    public async Task MisbehavingUpstream_StallBeforeHeaders_HangsUntilCallerCancels()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        using var client = CreateClient();
        using var cts = new CancellationTokenSource();

        var pending = client.GetAsync(upstream.BaseAddress, cts.Token);
        await upstream.RequestReceived.WaitAsync(Backstop);
        Assert.False(pending.IsCompleted);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task MisbehavingUpstream_StallMidBody_SendsPartialBodyThenHangs()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallMidBody);
        using var client = CreateClient();
        using var cts = new CancellationTokenSource();

        using var response = await client.GetAsync(upstream.BaseAddress, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        await using var body = await response.Content.ReadAsStreamAsync(cts.Token);
        var buffer = new byte[MisbehavingUpstream.SentBodyLength];
        await body.ReadExactlyAsync(buffer, cts.Token);
        var next = body.ReadAsync(new byte[1], cts.Token).AsTask();
        Assert.False(next.IsCompleted);
        await cts.CancelAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }

    [Fact]
    public async Task MisbehavingUpstream_ServerError_Returns503WithRetryAfter()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ServerError);
        using var client = CreateClient();

        using var response = await client.GetAsync(upstream.BaseAddress);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task MisbehavingUpstream_ServerErrorWith500_Returns500WithoutRetryAfter()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.ServerError, statusCode: 500);
        using var client = CreateClient();

        using var response = await client.GetAsync(upstream.BaseAddress);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Null(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task MisbehavingUpstream_Ok_Returns200AndCountsEachConnection()
    {
        await using var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.Ok);
        using var client = CreateClient();
        Assert.Equal(0, upstream.ConnectionCount);

        Assert.Equal("ok", await client.GetStringAsync(upstream.BaseAddress));
        Assert.Equal("ok", await client.GetStringAsync(upstream.BaseAddress));

        // Connection: close on every response, so a connection is a request.
        Assert.Equal(2, upstream.ConnectionCount);
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task MisbehavingUpstream_DisposedWhileStalled_ReleasesTheClient()
    {
        var upstream = await MisbehavingUpstream.StartAsync(MisbehaviorMode.StallBeforeHeaders);
        using var client = CreateClient();

        var pending = client.GetAsync(upstream.BaseAddress);
        await upstream.RequestReceived.WaitAsync(Backstop);
        await upstream.DisposeAsync().AsTask().WaitAsync(Backstop);

        // The close makes the client retry the GET against the stopped listener, so the last
        // attempt's error wins (ConnectionError here); any HttpRequestException proves the release.
        await Assert.ThrowsAsync<HttpRequestException>(() => pending.WaitAsync(Backstop));
    }

    [Fact]
    public async Task UntrustedTlsUpstream_DefaultValidation_ThrowsSecureConnectionErrorAboutTheCertificate()
    {
        await using var upstream = await UntrustedTlsUpstream.StartAsync();
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(upstream.BaseAddress));

        Assert.Equal(HttpRequestError.SecureConnectionError, ex.HttpRequestError);
        var auth = Assert.IsType<AuthenticationException>(ex.InnerException);
        Assert.Contains("UntrustedRoot", auth.Message, StringComparison.Ordinal);
        Assert.Null(auth.InnerException);
    }

    [Fact]
    public async Task UntrustedTlsUpstream_TrustedCertificate_Returns200()
    {
        await using var upstream = await UntrustedTlsUpstream.StartAsync();
        using var client = CreateClient(handler => handler.SslOptions.RemoteCertificateValidationCallback =
            (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == upstream.Certificate.GetCertHashString());

        Assert.Equal("ok", await client.GetStringAsync(upstream.BaseAddress));
    }

    [Fact]
    public async Task UntrustedTlsUpstream_ProtocolVersionMismatch_ThrowsAuthenticationFailedWithInnerCause()
    {
        await using var upstream = await UntrustedTlsUpstream.StartAsync(SslProtocols.Tls12);
        using var client = CreateClient(handler => handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls13);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(upstream.BaseAddress));

        Assert.Equal(HttpRequestError.SecureConnectionError, ex.HttpRequestError);
        var auth = Assert.IsType<AuthenticationException>(ex.InnerException);
        Assert.DoesNotContain("certificate", auth.Message, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(auth.InnerException);
    }

    [Fact]
    public async Task TlsFailureUpstream_HandshakeFailureAlert_ThrowsAuthenticationFailedWithInnerCause()
    {
        await using var upstream = await TlsFailureUpstream.StartAsync(TlsFailureMode.HandshakeFailureAlert);
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(upstream.BaseAddress));

        Assert.Equal(HttpRequestError.SecureConnectionError, ex.HttpRequestError);
        var auth = Assert.IsType<AuthenticationException>(ex.InnerException);
        Assert.DoesNotContain("certificate", auth.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("handshake failure", auth.GetBaseException().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsFailureUpstream_PlainHttpReply_ThrowsAuthenticationExceptionAboutTheFrame()
    {
        await using var upstream = await TlsFailureUpstream.StartAsync(TlsFailureMode.PlainHttpReply);
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(upstream.BaseAddress));

        Assert.Equal(HttpRequestError.SecureConnectionError, ex.HttpRequestError);
        var auth = Assert.IsType<AuthenticationException>(ex.InnerException);
        Assert.Contains("frame", auth.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsFailureUpstream_CloseAfterClientHello_ThrowsSecureConnectionErrorWithIOException()
    {
        await using var upstream = await TlsFailureUpstream.StartAsync(TlsFailureMode.CloseAfterClientHello);
        using var client = CreateClient();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(upstream.BaseAddress));

        Assert.Equal(HttpRequestError.SecureConnectionError, ex.HttpRequestError);
        Assert.IsType<IOException>(ex.InnerException);
        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Fact]
    public async Task SlowUpstream_HttpClientTimeoutElapses_ThrowsTaskCanceledWithTimeout()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        using var client = CreateClient(timeout: TimeSpan.FromMilliseconds(300));

        var ex = await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetAsync(upstream.SlowAddress));

        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task SlowUpstream_CallerCancels_ThrowsOperationCanceledOnCallerToken()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        using var client = CreateClient();
        using var cts = new CancellationTokenSource();

        var pending = client.GetAsync(upstream.SlowAddress, cts.Token);
        await upstream.RequestReceived.WaitAsync(Backstop);
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.IsNotType<TimeoutException>(ex.InnerException);
    }

    [Fact]
    public async Task SlowUpstream_Released_Returns200()
    {
        await using var upstream = await SlowUpstream.StartAsync();
        using var client = CreateClient();

        var pending = client.GetStringAsync(upstream.SlowAddress);
        await upstream.RequestReceived.WaitAsync(Backstop);
        upstream.Release();

        Assert.Equal("slow", await pending.WaitAsync(Backstop));
    }

    [Fact]
    public async Task SlowUpstream_ConfiguredDelay_Returns200AfterTheDelay()
    {
        await using var upstream = await SlowUpstream.StartAsync(TimeSpan.FromMilliseconds(50));
        using var client = CreateClient();

        Assert.Equal("slow", await client.GetStringAsync(upstream.SlowAddress));
        Assert.Equal("ok", await client.GetStringAsync(upstream.OkAddress));
    }

    [Fact]
    public async Task SlowUpstream_DisposedWhileHolding_StopsPromptly()
    {
        var upstream = await SlowUpstream.StartAsync();
        using var client = CreateClient();

        var pending = client.GetAsync(upstream.SlowAddress);
        await upstream.RequestReceived.WaitAsync(Backstop);
        await upstream.DisposeAsync().AsTask().WaitAsync(Backstop);

        await Assert.ThrowsAsync<HttpRequestException>(() => pending.WaitAsync(Backstop));
    }

    [Fact]
    public async Task OkUpstream_Root_Returns200Ok()
    {
        await using var upstream = await OkUpstream.StartAsync();
        using var client = CreateClient();

        Assert.Equal("ok", await client.GetStringAsync(upstream.BaseAddress));
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task OkUpstream_Status503WithRetryAfter_ReturnsBoth()
    {
        await using var upstream = await OkUpstream.StartAsync();
        using var client = CreateClient();

        using var response = await client.GetAsync(new Uri(upstream.StatusAddress(503), "?retryAfter=7"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
    }

    private static HttpClient CreateClient(Action<SocketsHttpHandler>? configure = null, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler();
        configure?.Invoke(handler);
        return new HttpClient(handler) { Timeout = timeout ?? Backstop };
    }
}
