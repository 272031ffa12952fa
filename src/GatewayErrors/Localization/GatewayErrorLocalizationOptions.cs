namespace GatewayErrors;

/// <summary>
/// Which languages the error responses speak, bound from <c>GatewayErrors:Localization</c>. The language of a response
/// comes from ASP.NET Core's request localization when the app uses it (<c>UseRequestLocalization()</c>), otherwise from
/// the request's <c>Accept-Language</c>, limited to the languages GatewayErrors ships and the ones listed in
/// <see cref="Cultures"/>.
/// </summary>
public sealed class GatewayErrorLocalizationOptions
{
    /// <summary>
    /// The languages GatewayErrors ships texts for: English, German, French, Spanish, Portuguese, Japanese, Simplified
    /// Chinese and Arabic. English is the fallback.
    /// </summary>
    public static IReadOnlyList<string> ShippedCultures { get; } = ["en", "de", "fr", "es", "pt", "ja", "zh-Hans", "ar"];

    /// <summary>Gets or sets whether responses follow the visitor's language.</summary>
    /// <value>
    /// Defaults to <see langword="true"/>. When <see langword="false"/>, every response is English and carries neither
    /// <c>Content-Language</c> nor <c>Vary: Accept-Language</c>.
    /// </value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets the languages the app adds (BCP 47 tags such as <c>nl</c> or <c>pt-BR</c>), for which it provides texts in its own
    /// <c>GatewayErrorPages</c> resources (see <see cref="ResourceName"/>). Texts it does not provide come from the nearest
    /// shipped language, else English.
    /// </summary>
    /// <value>Empty by default.</value>
    public IList<string> Cultures { get; } = [];

    /// <summary>
    /// Gets or sets the base name of the app's own resources that override GatewayErrors' texts, looked up with the app's
    /// <c>IStringLocalizerFactory</c> (register it with <c>AddLocalization()</c>) in the app's assembly, exactly as an
    /// <c>IStringLocalizer</c> of the app's own finds its <c>.resx</c> files.
    /// </summary>
    /// <value>
    /// Defaults to <c>GatewayErrorPages</c>: with <c>AddLocalization(o =&gt; o.ResourcesPath = "Resources")</c>, the files
    /// <c>Resources/GatewayErrorPages.resx</c>, <c>Resources/GatewayErrorPages.de.resx</c> and so on. Without
    /// <c>AddLocalization()</c>, only GatewayErrors' own texts are used.
    /// </value>
    public string ResourceName { get; set; } = "GatewayErrorPages";
}
