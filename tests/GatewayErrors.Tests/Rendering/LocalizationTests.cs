using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GatewayErrors.Tests.Rendering;

/// <summary>The language of error responses: request localization, else Accept-Language, else English.</summary>
public sealed class LocalizationTests
{
    [Theory]
    [InlineData("de-DE,de;q=0.9,en;q=0.5", "de", "Dienst dahinter hat die Verbindung abgelehnt")]
    [InlineData("ja", "ja", "背後のサービスが接続を拒否しました")]
    [InlineData("fr;q=0.4, ja;q=0.8", "ja", "背後のサービスが接続を拒否しました")]
    [InlineData("nl, de;q=0.1", "de", "Dienst dahinter hat die Verbindung abgelehnt")]
    [InlineData("fr-CA,fr;q=0.9", "fr", "Le service en arrière-plan a refusé la connexion")]
    [InlineData("es-MX", "es", "El servicio de origen rechazó la conexión")]
    [InlineData("pt-BR,pt;q=0.9,en;q=0.8", "pt", "O serviço de origem recusou a conexão")]
    [InlineData("zh-CN,zh;q=0.9", "zh-Hans", "后端服务拒绝了连接")]
    [InlineData("zh-TW", "en", "Upstream service refused the connection")]
    [InlineData("zh-Hant-HK", "en", "Upstream service refused the connection")]
    [InlineData("nl", "en", "Upstream service refused the connection")]
    [InlineData("", "en", "Upstream service refused the connection")]
    [InlineData("*", "en", "Upstream service refused the connection")]
    public async Task AcceptLanguage_ChoosesTheLanguage_WithContentLanguageVaryLangAndDir(string acceptLanguage, string language, string title)
    {
        await using var host = await PageHost.StartAsync();

        for (var i = 0; i < 2; i++)
        {
            var (response, html) = await host.GetAsync("/orders", r => r.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage));
            var document = PageHost.Parse(html);

            Assert.Equal(language, Assert.Single(response.Content.Headers.ContentLanguage));
            Assert.Contains("Accept-Language", response.Headers.Vary);
            Assert.Equal(language, document.DocumentElement.GetAttribute("lang"));
            Assert.Equal("ltr", document.DocumentElement.GetAttribute("dir"));
            Assert.Equal(title, document.QuerySelector("h1")!.TextContent);
        }
    }

    [Fact]
    public async Task PageCache_NeverServesOneLanguageForAnother()
    {
        await using var host = await PageHost.StartAsync();
        foreach (var round in Enumerable.Range(0, 3))
        {
            foreach (var (accept, lang) in new[]
                     {
                         ("de", "de"), ("ja", "ja"), ("en", "en"), ("de-AT", "de"), ("fr-CA", "fr"), ("es-MX", "es"), ("pt-BR", "pt"),
                         ("zh-CN", "zh-Hans"), ("zh-TW", "en"), ("nl", "en"),
                     })
            {
                var (_, html) = await host.GetAsync("/orders?type=HttpResponseTimeout", r => r.Headers.TryAddWithoutValidation("Accept-Language", accept));
                Assert.Equal(lang, PageHost.Parse(html).DocumentElement.GetAttribute("lang"));
            }
        }
    }

    [Fact]
    public async Task RequestLocalization_DecidesTheLanguage()
    {
        await using var host = await PageHost.StartAsync(
            services: static s => s.AddRequestLocalization(static o => o.SetDefaultCulture("ja").AddSupportedUICultures("ja", "de")),
            outer: static (context, next) => new RequestLocalizationMiddleware(next, context.RequestServices.GetRequiredService<IOptions<RequestLocalizationOptions>>(),
                context.RequestServices.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()).Invoke(context));

        var (byDefault, _) = await host.GetAsync("/orders", r => r.Headers.TryAddWithoutValidation("Accept-Language", "fr"));
        var (byQuery, html) = await host.GetAsync("/orders?ui-culture=de");

        Assert.Equal("ja", Assert.Single(byDefault.Content.Headers.ContentLanguage));
        Assert.Equal("de", Assert.Single(byQuery.Content.Headers.ContentLanguage));
        Assert.Equal("Dienst dahinter hat die Verbindung abgelehnt", PageHost.Parse(html).QuerySelector("h1")!.TextContent);
    }

    [Fact]
    public async Task ProblemDetails_TitleAndDetailFollowTheLanguage_MachinePartsDoNot()
    {
        await using var host = await PageHost.StartAsync();
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Accept.Clear();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("de");

        using var response = await client.GetAsync(new Uri("/orders", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("Dienst dahinter hat die Verbindung abgelehnt", json.RootElement.GetProperty("title").GetString());
        Assert.Equal("Der Dienst hinter dieser Website nimmt keine Verbindungen an.", json.RootElement.GetProperty("detail").GetString());
        Assert.Equal("connection_refused", json.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("https://www.rfc-editor.org/rfc/rfc9209#name-connection-refused", json.RootElement.GetProperty("type").GetString());
        Assert.Contains("error=connection_refused", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh-TW", null)]
    [InlineData("zh-CN", "zh-Hans")]
    [InlineData("zh", "zh-Hans")]
    [InlineData("pt-BR", "pt")]
    [InlineData("AR-eg", "ar")]
    public void Match_MapsRegionsAndScripts(string tag, string? expected)
        => Assert.Equal(expected, PageCultures.Match(tag, GatewayErrorLocalizationOptions.ShippedCultures));

    [Fact]
    public void NeutralResources_AreTheTaxonomysEnglish()
    {
        foreach (var row in ErrorTaxonomy.All)
        {
            Assert.Equal(row.Title, PageTexts.Neutral(row.Name + ".title"));
            Assert.Equal(row.Summary, PageTexts.Neutral(row.Name + ".summary"));
            Assert.Equal(row.Cause, PageTexts.Neutral(row.Name + ".cause"));
            Assert.Equal(row.HopState, PageTexts.Neutral(row.Name + ".hopState"));
        }
    }
}
