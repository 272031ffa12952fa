using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GatewayErrors.Benchmarks.Support;

/// <summary>
/// A renderer as an app's start-up leaves it (templates compiled and checked), with the built-in theme or a custom layout
/// and page that include the built-in pieces, and the failure the first-render benchmarks write a page for.
/// </summary>
internal static class PageRenderers
{
    public const string BuiltIn = "built-in";
    public const string Custom = "custom";

    /// <summary>Starts the services and the renderer; the caller disposes the provider.</summary>
    public static ServiceProvider Start(string template, out ErrorPageRenderer renderer)
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build()).AddLogging();
        if (template == Custom)
        {
            services.AddGatewayErrors(static o =>
            {
                o.Templates["layout"] = "<!DOCTYPE html><html lang=\"{{ lang }}\" dir=\"{{ dir }}\"><head>{{ include 'gw-head' }}</head><body>"
                    + "<header class=brand><strong>{{ site_name }}</strong></header><main>{{ body }}</main>"
                    + "<footer>{{ text.reference_label }} {{ trace_id }}</footer></body></html>";
                o.Templates["error"] = "<h1>{{ title }}</h1><p>{{ summary }}</p>{{ include 'gw-hops' }}{{ include 'gw-notice' }}{{ include 'gw-actions' }}"
                    + "{{ include 'gw-retry' }}{{ include 'gw-owner' }}{{ include 'gw-reference' }}";
            });
        }
        else
        {
            services.AddGatewayErrors();
        }

        var provider = services.BuildServiceProvider();
        renderer = provider.GetRequiredService<ErrorPageRenderer>();
        var errors = renderer.Initialize();
        if (errors.Count > 0)
        {
            provider.Dispose();
            throw new InvalidOperationException(string.Join(" ", errors));
        }

        return provider;
    }

    /// <summary>The texts a visitor asking for <paramref name="language"/> gets, checked to be that language.</summary>
    public static PageTexts Texts(ErrorPageRenderer renderer, string language)
    {
        var visitor = new DefaultHttpContext();
        visitor.Request.Headers.AcceptLanguage = language;
        var texts = renderer.TextsFor(visitor);
        return texts.Language == language ? texts : throw new InvalidOperationException($"Accept-Language: {language} chose {texts.Language}.");
    }

    /// <summary>A failure of <paramref name="upstream"/> answered with the type's recommended status.</summary>
    public static ErrorResponse Failure(GatewayErrorType type, string upstream, PageTexts texts)
    {
        var info = ErrorTaxonomy.Get(type);
        return new()
        {
            StatusCode = info.RecommendedStatus,
            ReasonPhrase = ReasonPhrases.GetReasonPhrase(info.RecommendedStatus),
            Type = info,
            UpstreamDisplayName = upstream,
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            Timestamp = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero),
            Method = "GET",
            Path = "/products/42",
            RetryAfter = type == GatewayErrorType.DestinationUnavailable ? TimeSpan.FromSeconds(30) : null,
            Texts = texts,
        };
    }
}
