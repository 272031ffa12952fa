using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>
/// Kestrel over HTTPS with an in-memory self-signed certificate: a default client rejects it
/// (<c>tls_certificate_error</c>). Trust <see cref="Certificate"/> in a validation callback to get a 200.
/// </summary>
internal sealed class UntrustedTlsUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private UntrustedTlsUpstream(WebApplication app, Uri baseAddress, X509Certificate2 certificate)
    {
        _app = app;
        BaseAddress = baseAddress;
        Certificate = certificate;
    }

    public Uri BaseAddress { get; }

    public X509Certificate2 Certificate { get; }

    /// <param name="sslProtocols">Restrict the server's TLS versions (e.g. <see cref="SslProtocols.Tls12"/>
    /// against a TLS 1.3-only client for a version mismatch); <see cref="SslProtocols.None"/> lets the OS choose.</param>
    public static async Task<UntrustedTlsUpstream> StartAsync(SslProtocols sslProtocols = SslProtocols.None)
    {
        var certificate = SelfSignedCertificate.Create();
        try
        {
            var (app, baseAddress) = await LoopbackKestrel.StartAsync(
                app => app.MapGet("/", () => Results.Text("ok")),
                certificate,
                sslProtocols);
            return new UntrustedTlsUpstream(app, baseAddress, certificate);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
