using System.Globalization;
using System.Net.Http.Headers;
using System.Resources;
using System.Text.Json;
using GatewayErrors.Tests.Localization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.TestHost;
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

    [Theory]
    [InlineData("ar-EG,ar;q=0.9,en;q=0.5")]
    [InlineData("ar")]
    [InlineData("AR-sa")]
    public async Task AcceptLanguageArabic_ChoosesArabic_RightToLeft(string acceptLanguage)
    {
        await using var host = await PageHost.StartAsync();
        var arabic = new ResourceManager(PageTexts.ResourceBaseName, typeof(PageTexts).Assembly);

        var (response, html) = await host.GetAsync("/orders", r => r.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage));
        var document = PageHost.Parse(html);

        Assert.Equal("ar", Assert.Single(response.Content.Headers.ContentLanguage));
        Assert.Contains("Accept-Language", response.Headers.Vary);
        Assert.Equal("ar", document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("rtl", document.DocumentElement.GetAttribute("dir"));
        Assert.Equal(arabic.GetString("connection_refused.title", CultureInfo.GetCultureInfo("ar")), document.QuerySelector("h1")!.TextContent);
        Assert.NotEqual("Upstream service refused the connection", document.QuerySelector("h1")!.TextContent);
    }

    [Theory]
    [InlineData("ar")]
    [InlineData("en")]
    public async Task UpstreamNameInTheWhereSentence_IsIsolatedFromTheSentencesDirection(string language)
    {
        // A Latin name ending in a parenthesis inside an Arabic sentence is the classic case: without an isolate the
        // bidirectional algorithm moves the closing parenthesis and the sentence's comma to the wrong side.
        await using var host = await PageHost.StartAsync(settings: new() { ["GatewayErrors:Upstreams:catalog:DisplayName"] = "Catalog API (v2)" });

        var (_, html) = await host.GetAsync("/orders", r => r.Headers.TryAddWithoutValidation("Accept-Language", language));

        var where = PageHost.Parse(html).QuerySelectorAll("p").Select(p => p.TextContent).Single(t => t.Contains("Catalog API (v2)", StringComparison.Ordinal));
        Assert.Contains("\u2068Catalog API (v2)\u2069", where, StringComparison.Ordinal);
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
                         ("zh-CN", "zh-Hans"), ("zh-TW", "en"), ("nl", "en"), ("ar-EG", "ar"),
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

    [Theory]
    [InlineData("fr", "fr", "Le service en arrière-plan a refusé la connexion", "Le service en arrière-plan de ce site n’accepte pas de connexions.")]
    [InlineData("es-ES", "es", "El servicio de origen rechazó la conexión", "El servicio de origen de este sitio no está aceptando conexiones.")]
    [InlineData("pt-PT", "pt", "O serviço de origem recusou a conexão", "O serviço de origem deste site não está aceitando conexões.")]
    [InlineData("ja-JP", "ja", "背後のサービスが接続を拒否しました", "このサイトの背後のサービスが接続を受け付けていません。")]
    [InlineData("zh-SG", "zh-Hans", "后端服务拒绝了连接", "本网站的后端服务目前不接受连接。")]
    [InlineData("zh-TW", "en", "Upstream service refused the connection", "The service behind this site is not accepting connections.")]
    [InlineData("ar-EG", "ar", null, null)]
    public async Task ProblemDetails_InEachShippedLanguage_TitleDetailAndContentLanguageAgree(string acceptLanguage, string language, string? title, string? detail)
    {
        // Arabic is checked against its own file (its wording belongs to the right-to-left work).
        var resources = new ResourceManager(PageTexts.ResourceBaseName, typeof(PageTexts).Assembly);
        title ??= resources.GetString("connection_refused.title", CultureInfo.GetCultureInfo(language));
        detail ??= resources.GetString("connection_refused.summary", CultureInfo.GetCultureInfo(language));
        await using var host = await PageHost.StartAsync();
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Accept.Clear();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        client.DefaultRequestHeaders.TryAddWithoutValidation("Accept-Language", acceptLanguage);

        using var response = await client.GetAsync(new Uri("/orders", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(language, Assert.Single(response.Content.Headers.ContentLanguage));
        Assert.Contains("Accept-Language", response.Headers.Vary);
        Assert.Equal(title, json.RootElement.GetProperty("title").GetString());
        Assert.Equal(detail, json.RootElement.GetProperty("detail").GetString());
        Assert.Equal("connection_refused", json.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("https://www.rfc-editor.org/rfc/rfc9209#name-connection-refused", json.RootElement.GetProperty("type").GetString());
    }

    [Theory]
    [MemberData(nameof(ResourceFileTests.Translations), MemberType = typeof(ResourceFileTests))]
    public async Task Page_InEachTranslation_ShowsNoEnglishSentence_OutsideWhatIsMarkedEnglish(string culture)
    {
        var resources = new ResourceManager(PageTexts.ResourceBaseName, typeof(PageTexts).Assembly);
        var translated = Strings(resources, CultureInfo.GetCultureInfo(culture));

        // Only English the translation changed can be caught; sentences are cut at their placeholders, and what is left
        // must be words (a single word such as "minutes" may be the translation's too).
        var english = Strings(resources, CultureInfo.InvariantCulture)
            .Where(e => translated[e.Key] != e.Value)
            .SelectMany(static e => e.Value.Split("{0}"))
            .Select(static fragment => fragment.Trim(' ', '.', ','))
            .Where(static fragment => fragment.Contains(' ', StringComparison.Ordinal))
            .ToArray();
        await using var host = await PageHost.StartAsync();

        // A page that retries by itself, one with the shared "not you" advice, and a 503 with a known wait.
        foreach (var query in (string[])["type=ConnectionRefused", "type=TlsCertificateError", "type=DestinationUnavailable&retry=30"])
        {
            var (response, html) = await host.GetAsync("/orders?" + query, r => r.Headers.TryAddWithoutValidation("Accept-Language", culture));
            Assert.Equal(culture, Assert.Single(response.Content.Headers.ContentLanguage));
            var document = PageHost.Parse(html);
            foreach (var element in document.QuerySelectorAll("body [lang=en], script, style").ToArray())
            {
                element.Remove();
            }

            var text = document.Title + "\n" + document.Body!.TextContent;
            Assert.All(english, fragment => Assert.DoesNotContain(fragment, text, StringComparison.Ordinal));
        }

        static Dictionary<string, string> Strings(ResourceManager resources, CultureInfo culture)
            => resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)!
                .Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(static e => (string)e.Key, static e => (string)e.Value!, StringComparer.Ordinal);
    }

    [Fact]
    public async Task PlainText_FollowsTheLanguage_LabelsIncluded_WithoutTheEnglishReasonPhrase()
    {
        await using var host = await PageHost.StartAsync();
        using var client = host.App.GetTestClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Accept-Language", "fr-CA");

        using var response = await client.GetAsync(new Uri("/orders", UriKind.Relative));
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');

        Assert.Equal("fr", Assert.Single(response.Content.Headers.ContentLanguage));
        // "Bad Gateway" is English by definition: a French body leaves it out rather than mix languages.
        Assert.Equal("502: Le service en arrière-plan a refusé la connexion", lines[0]);
        Assert.Equal("Le service en arrière-plan de ce site n’accepte pas de connexions.", lines[1]);
        // The labels are French; the values machines read (the type token) are not translated.
        Assert.Contains("Type d’erreur : connection_refused", lines);
        Assert.Contains("Service en arrière-plan : catalog", lines);
        Assert.DoesNotContain(lines, static l => l.StartsWith("Upstream:", StringComparison.Ordinal) || l.StartsWith("Error type:", StringComparison.Ordinal) || l.StartsWith("Trace id:", StringComparison.Ordinal));
        Assert.Single(lines, static l => l.StartsWith("Id de trace : ", StringComparison.Ordinal));
        Assert.Single(lines, static l => l.StartsWith("Heure (UTC) : ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlainText_InArabic_HasArabicLabels_AndEnglish_KeepsTheReasonPhrase()
    {
        await using var host = await PageHost.StartAsync();
        using var client = host.App.GetTestClient();

        using var arabic = new HttpRequestMessage(HttpMethod.Get, "/orders");
        arabic.Headers.TryAddWithoutValidation("Accept-Language", "ar");
        using var arabicResponse = await client.SendAsync(arabic);
        var arabicLines = (await arabicResponse.Content.ReadAsStringAsync()).Split('\n');
        Assert.Contains("الخدمة الخلفية: catalog", arabicLines);
        Assert.Contains("نوع الخطأ: connection_refused", arabicLines);
        Assert.StartsWith("502: ", arabicLines[0], StringComparison.Ordinal);

        using var english = await client.GetAsync(new Uri("/orders", UriKind.Relative));
        var englishLines = (await english.Content.ReadAsStringAsync()).Split('\n');
        Assert.Equal("502 Bad Gateway: Upstream service refused the connection", englishLines[0]);
        Assert.Contains("Upstream: catalog", englishLines);
        Assert.Contains("Error type: connection_refused", englishLines);
    }

    [Theory]
    [InlineData("fr", "fr")]
    [InlineData("es", "es")]
    [InlineData("pt", "pt")]
    [InlineData("zh-Hans", "zh-Hans")]
    [InlineData("zh-CN", "zh-Hans")]
    [InlineData("zh-TW", "en")]
    [InlineData("ar-EG", "ar")]
    public async Task RequestLocalization_EachShippedLanguage_IsFollowed(string uiCulture, string language)
    {
        await using var host = await PageHost.StartAsync(
            services: s => s.AddRequestLocalization(o => o.SetDefaultCulture("en").AddSupportedUICultures(uiCulture)),
            outer: static (context, next) => new RequestLocalizationMiddleware(next, context.RequestServices.GetRequiredService<IOptions<RequestLocalizationOptions>>(),
                context.RequestServices.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()).Invoke(context));

        // The query string decides here, whatever Accept-Language says: the app's request localization wins.
        var (response, html) = await host.GetAsync("/orders?ui-culture=" + uiCulture, static r => r.Headers.TryAddWithoutValidation("Accept-Language", "de"));

        Assert.Equal(language, Assert.Single(response.Content.Headers.ContentLanguage));
        Assert.Equal(language, PageHost.Parse(html).DocumentElement.GetAttribute("lang"));
    }

    [Fact]
    public async Task LogsAndProxyStatus_StayEnglish_WhateverTheLanguage()
    {
        await using var host = await PageHost.StartAsync();

        var (response, _) = await host.GetAsync("/orders", static r => r.Headers.TryAddWithoutValidation("Accept-Language", "zh-CN"));

        Assert.Equal("zh-Hans", Assert.Single(response.Content.Headers.ContentLanguage));
        var proxyStatus = response.Headers.GetValues("Proxy-Status").Single();
        Assert.EndsWith(";error=connection_refused", proxyStatus, StringComparison.Ordinal);
        Assert.True(proxyStatus.All(char.IsAscii), proxyStatus);
        var logged = string.Join("\n", host.Logs.GetSnapshot().Select(static r => r.Message));
        Assert.Contains("connection_refused", logged, StringComparison.Ordinal);
        foreach (var culture in new[] { "zh-Hans", "de", "ja" })
        {
            // No text of any language but English reaches the log: none of the type's words in Chinese, German or Japanese.
            var texts = PageTexts.Create(culture, PageBranding.From(new GatewayErrorsOptions()), app: null).For(GatewayErrorType.ConnectionRefused);
            Assert.DoesNotContain(texts.Title, logged, StringComparison.Ordinal);
            Assert.DoesNotContain(texts.Summary, logged, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AppResources_OverrideAStringAndAddALanguage_TheWayTheAppLocalizesItself()
    {
        // The app's own GatewayErrorPages resources (tests/GatewayErrors.Tests/Localization/AppResources): an English
        // title, a German title, and Traditional Chinese, a language GatewayErrors does not ship.
        await using var host = await PageHost.StartAsync(
            configure: static o => o.Localization.Cultures.Add("zh-Hant"),
            services: static s => s.AddLocalization(static o => o.ResourcesPath = "Localization/AppResources"));

        async Task<(string Language, AngleSharp.Html.Dom.IHtmlDocument Page)> Get(string acceptLanguage)
        {
            var (response, html) = await host.GetAsync("/orders", r => r.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage));
            return (Assert.Single(response.Content.Headers.ContentLanguage), PageHost.Parse(html));
        }

        var (en, english) = await Get("en");
        Assert.Equal("en", en);
        Assert.Equal("Our catalog is taking a short break", english.QuerySelector("h1")!.TextContent);

        var (de, german) = await Get("de-CH");
        Assert.Equal("de", de);
        Assert.Equal("Unser Katalog macht eine kurze Pause", german.QuerySelector("h1")!.TextContent);
        Assert.Contains("Der Dienst hinter dieser Website nimmt keine Verbindungen an.", german.Body!.TextContent, StringComparison.Ordinal);

        // A language GatewayErrors has and the app does not touch stays GatewayErrors' own, not the app's English.
        var (fr, french) = await Get("fr");
        Assert.Equal("fr", fr);
        Assert.Equal("Le service en arrière-plan a refusé la connexion", french.QuerySelector("h1")!.TextContent);

        // The added language: zh-TW maps to it; what the app did not translate is English.
        var (zh, chinese) = await Get("zh-TW");
        Assert.Equal("zh-Hant", zh);
        Assert.Equal("zh-Hant", chinese.DocumentElement.GetAttribute("lang"));
        Assert.Equal("後端服務拒絕了連線", chinese.QuerySelector("h1")!.TextContent);
        Assert.Contains("本網站的後端服務目前不接受連線。", chinese.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains("What happened?", chinese.Body.TextContent, StringComparison.Ordinal);

        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Accept.Clear();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        client.DefaultRequestHeaders.TryAddWithoutValidation("Accept-Language", "zh-TW");
        using var response = await client.GetAsync(new Uri("/orders", UriKind.Relative));
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("後端服務拒絕了連線", problem.RootElement.GetProperty("title").GetString());
    }
}
