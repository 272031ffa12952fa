using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static GatewayErrors.Tests.TestSupport.ResponseAssertions;

namespace GatewayErrors.Tests.Classification;

/// <summary>
/// Certificate errors are recognised from the TLS check itself (the handler wraps the app's validation callback, or
/// the default check), not from exception messages, and the app's decision stays exactly what it was.
/// </summary>
public sealed class CertificateTests
{
    [Fact]
    public async Task UntrustedCertificate_DefaultCheck_IsRecordedOnTheRequest_AndAnswered502TlsCertificateError()
    {
        await using var upstream = await UntrustedTlsUpstream.StartAsync();
        using var services = Services(upstream.BaseAddress);
        using var request = new HttpRequestMessage(HttpMethod.Get, upstream.BaseAddress);

        var exception = await Assert.ThrowsAsync<UpstreamFailureException>(() => Client(services).SendAsync(request));

        Assert.Equal(GatewayErrorType.TlsCertificateError, exception.Failure.ErrorType);
        var connection = ConnectionPhase.Find(request);
        Assert.NotNull(connection);
        Assert.Equal(CertificateVerdict.Rejected, connection.Certificate);
        Assert.True(connection.CertificateErrors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors), connection.CertificateErrors.ToString());
    }

    [Fact]
    public async Task AppTrustsTheCertificate_ItsDecisionIsKept_AndTheSenderIsTheSslStream()
    {
        await using var upstream = await UntrustedTlsUpstream.StartAsync();
        var senders = new List<object>();
        using var services = Services(upstream.BaseAddress, sockets => sockets.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, _, _) =>
        {
            lock (senders)
            {
                senders.Add(sender);
            }

            return certificate?.GetCertHashString() == upstream.Certificate.GetCertHashString();
        });

        using var response = await Client(services).GetAsync(string.Empty);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());

        // What the issue asked to find out: SocketsHttpHandler passes the SslStream, not the request (only
        // HttpClientHandler's ServerCertificateCustomValidationCallback is given the request).
        Assert.IsType<SslStream>(Assert.Single(senders));
    }

    [Fact]
    public async Task AppRejectsTheCertificate_Returns502TlsCertificateError()
    {
        await using var upstream = await UntrustedTlsUpstream.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(upstream.BaseAddress, s => s.Client = client =>
            client.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Set before AddGatewayErrorsHandler's own configuration runs on it: the handler wraps it.
                SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => false },
            }));

        using var response = await app.GetAsync("/proxy/items", "application/json");

        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal("tls_certificate_error", ProxyStatusError(response));
    }

    [Fact]
    public void CheckedCertificate_DecidesTheType_WhateverTheMessageSays()
    {
        // .NET localizes SslStream's messages on some platforms: with the check seen, the message is not read at all.
        var rejected = new HttpRequestException(HttpRequestError.SecureConnectionError, "x", new AuthenticationException("Échec de l'authentification."));
        var accepted = new HttpRequestException(HttpRequestError.SecureConnectionError, "x", new AuthenticationException("The remote certificate is invalid."));

        Assert.True(FailureClassifier.TryClassify(rejected, ExchangePhase.TlsHandshake, CertificateVerdict.Rejected, out var fromRejected));
        Assert.True(FailureClassifier.TryClassify(accepted, ExchangePhase.TlsHandshake, CertificateVerdict.Accepted, out var fromAccepted));

        Assert.Equal(GatewayErrorType.TlsCertificateError, fromRejected.ErrorType);
        Assert.Equal(GatewayErrorType.TlsProtocolError, fromAccepted.ErrorType);
    }

    private static ServiceProvider Services(Uri upstream, Action<SocketsHttpHandler>? configure = null)
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build()).AddLogging();
        var client = services.AddHttpClient("catalog", c => c.BaseAddress = upstream);
        if (configure is not null)
        {
            // Configured before the handler is added, as an app does when it builds its own primary handler.
            client.ConfigurePrimaryHttpMessageHandler(() =>
            {
                var sockets = new SocketsHttpHandler();
                configure(sockets);
                return sockets;
            });
        }

        client.AddGatewayErrorsHandler();
        return services.BuildServiceProvider();
    }

    private static HttpClient Client(IServiceProvider services) => services.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");
}
