using Microsoft.AspNetCore.Localization;

namespace OutagePlayground;

/// <summary>
/// The home page's switches: the built-in theme, the language, and the Production view. They apply to the next error
/// page without a restart.
/// </summary>
/// <remarks>
/// <para>The theme and the Production view are app-wide options (<c>GatewayErrors:Theme</c>,
/// <c>GatewayErrors:ExposeDetails</c>), so the switches change configuration the way an operator would: this class is a
/// configuration source of the playground's own, added last so it wins, and each switch writes a key and reloads it.
/// GatewayErrors validates the reloaded options and uses them from the next request on.</para>
/// <para>The language is the visitor's, not the app's: a cookie read by ASP.NET Core's request localization
/// (<c>UseRequestLocalization</c>), which GatewayErrors follows. Each browser keeps its own choice.</para>
/// </remarks>
internal sealed class PlaygroundSwitches : ConfigurationProvider, IConfigurationSource
{
    private const string ThemeKey = "GatewayErrors:Theme";
    private const string ExposeDetailsKey = "GatewayErrors:ExposeDetails";

    /// <summary>The built-in themes (src/GatewayErrors/Rendering/Themes).</summary>
    public static IReadOnlyList<string> Themes { get; } = ["default", "minimal", "console"];

    /// <summary>The languages GatewayErrors ships texts for, each named in itself.</summary>
    public static IReadOnlyList<(string Tag, string Name)> Languages { get; } =
    [
        ("en", "English"),
        ("ar", "العربية"),
        ("de", "Deutsch"),
        ("es", "Español"),
        ("fr", "Français"),
        ("ja", "日本語"),
        ("pt", "Português"),
        ("zh-Hans", "中文（简体）"),
    ];

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>
    /// Applies the switches a form or curl sent; a field left out keeps its value. Returns what is wrong, or
    /// <see langword="null"/> when everything was applied.
    /// </summary>
    public string? Apply(IFormCollection form, HttpResponse response)
    {
        var theme = form["theme"].ToString();
        var view = form["view"].ToString();
        var language = form.TryGetValue("language", out var sent) ? sent.ToString() : null;
        if (theme.Length > 0 && !Themes.Contains(theme, StringComparer.Ordinal))
        {
            return $"theme: use one of {string.Join(", ", Themes)}.";
        }

        if (view is not ("" or "production" or "development"))
        {
            return "view: use production or development.";
        }

        if (language is { Length: > 0 } && !Languages.Any(l => l.Tag == language))
        {
            return $"language: use one of {string.Join(", ", Languages.Select(static l => l.Tag))}, or nothing for the browser's.";
        }

        if (theme.Length > 0)
        {
            Data[ThemeKey] = theme;
        }

        if (view == "production")
        {
            Data[ExposeDetailsKey] = "false";
        }
        else if (view == "development")
        {
            // Back to what the app had: appsettings, the environment variables, or the default (on in Development).
            Data.Remove(ExposeDetailsKey);
        }

        if (theme.Length > 0 || view.Length > 0)
        {
            OnReload();
        }

        if (language is { Length: > 0 })
        {
            response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(language)),
                new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true });
        }
        else if (language is not null)
        {
            response.Cookies.Delete(CookieRequestCultureProvider.DefaultCookieName);
        }

        return null;
    }

    /// <summary>The language the visitor chose, or <see langword="null"/> when the browser's <c>Accept-Language</c> decides.</summary>
    public static string? ChosenLanguage(HttpRequest request)
        => request.Cookies.TryGetValue(CookieRequestCultureProvider.DefaultCookieName, out var cookie)
            && CookieRequestCultureProvider.ParseCookieValue(cookie) is { } chosen
            && chosen.UICultures.Count > 0 && Languages.Any(l => l.Tag == chosen.UICultures[0].Value)
                ? chosen.UICultures[0].Value
                : null;

    /// <summary>Request localization over the shipped languages: the cookie above first, then <c>Accept-Language</c>.</summary>
    public static void ConfigureLocalization(RequestLocalizationOptions options)
    {
        var tags = Languages.Select(static l => l.Tag).ToArray();
        options.SetDefaultCulture("en").AddSupportedCultures(tags).AddSupportedUICultures(tags);
    }
}
