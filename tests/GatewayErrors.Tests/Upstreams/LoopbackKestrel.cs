using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GatewayErrors.Tests.Upstreams;

/// <summary>Starts a quiet Kestrel app on 127.0.0.1 with an OS-chosen port.</summary>
internal static class LoopbackKestrel
{
    /// <param name="map">Adds the app's middleware and endpoints.</param>
    /// <param name="certificate">When set, the listener speaks HTTPS with it.</param>
    /// <param name="sslProtocols">The TLS versions offered with <paramref name="certificate"/>.</param>
    /// <param name="onConnection">Called for every accepted TCP connection, so a test can prove none was made.</param>
    /// <param name="protocols">The HTTP versions the listener speaks; <see cref="HttpProtocols.Http2"/> alone without a
    /// certificate is h2c with prior knowledge.</param>
    public static async Task<(WebApplication App, Uri BaseAddress)> StartAsync(
        Action<WebApplication> map,
        X509Certificate2? certificate = null,
        SslProtocols sslProtocols = SslProtocols.None,
        Action? onConnection = null,
        HttpProtocols? protocols = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // A backstop only: owners cancel their pending requests before stopping.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (protocols is { } versions)
            {
                listen.Protocols = versions;
            }

            if (onConnection is not null)
            {
                listen.Use(next => connection =>
                {
                    onConnection();
                    return next(connection);
                });
            }

            if (certificate is not null)
            {
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    https.SslProtocols = sslProtocols;
                });
            }
        }));

        var app = builder.Build();
        map(app);
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            return (app, new Uri(address.EndsWith('/') ? address : address + "/"));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }
}
