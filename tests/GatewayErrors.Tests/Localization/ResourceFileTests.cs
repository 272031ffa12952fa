using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Tests.Localization;

/// <summary>
/// The .resx files are the contract between the taxonomy, the templates and the translations: every language has
/// exactly the English key set, the same placeholders per key, and no empty text. The files are found, not listed, so a
/// new language is checked the moment its file exists.
/// </summary>
public sealed partial class ResourceFileTests
{
    private static readonly string Folder = RepositoryRoot.Combine("src", "GatewayErrors", "Localization");

    /// <summary>Every translation next to the English file, by culture (<c>GatewayErrorPages.zh-Hans.resx</c> → <c>zh-Hans</c>).</summary>
    public static TheoryData<string> Translations()
    {
        var data = new TheoryData<string>();
        foreach (var culture in TranslationCultures())
        {
            data.Add(culture);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Translations))]
    public void Translation_HasExactlyTheEnglishKeysPlaceholdersAndNoEmptyText(string culture)
    {
        var english = Read("GatewayErrorPages.resx");
        var translated = Read($"GatewayErrorPages.{culture}.resx");

        Assert.Equal([], english.Keys.Except(translated.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal));
        Assert.Equal([], translated.Keys.Except(english.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal));
        foreach (var (key, value) in translated)
        {
            Assert.False(string.IsNullOrWhiteSpace(value), $"{culture}: {key} is empty.");
            Assert.True(Placeholders(english[key]).SequenceEqual(Placeholders(value)),
                $"{culture}: {key} has the placeholders [{string.Join(", ", Placeholders(value))}], English has [{string.Join(", ", Placeholders(english[key]))}]: '{value}'.");
        }
    }

    [Fact]
    public void English_HasNoEmptyTextAndNoDuplicateKey()
    {
        var english = Read("GatewayErrorPages.resx");

        Assert.NotEmpty(english);
        Assert.All(english, static entry => Assert.False(string.IsNullOrWhiteSpace(entry.Value), entry.Key));
    }

    [Fact]
    public void ShippedCultures_AreTheIssuesLanguages_AndEachHasItsFile()
    {
        Assert.Equal(["en", "de", "fr", "es", "pt", "ja", "zh-Hans", "ar"], GatewayErrorLocalizationOptions.ShippedCultures);

        // Every file is a shipped language (one that is not would never be chosen), and every shipped language but
        // English (the neutral file) has its file.
        var files = TranslationCultures().ToArray();
        Assert.Equal(GatewayErrorLocalizationOptions.ShippedCultures.Skip(1).Order(StringComparer.Ordinal), files);
    }

    [Theory]
    [MemberData(nameof(Translations))]
    public void SatelliteAssembly_IsBuiltAndHoldsEveryKey(string culture)
    {
        // What the package ships: the satellite assembly <culture>/GatewayErrors.resources.dll next to GatewayErrors.dll.
        var resources = new ResourceManager(PageTexts.ResourceBaseName, typeof(PageTexts).Assembly);
        var set = resources.GetResourceSet(CultureInfo.GetCultureInfo(culture), createIfNotExists: true, tryParents: false);

        Assert.NotNull(set);
        var keys = set.Cast<System.Collections.DictionaryEntry>().Select(static e => (string)e.Key).Order(StringComparer.Ordinal);
        Assert.Equal(Read("GatewayErrorPages.resx").Keys.Order(StringComparer.Ordinal), keys);
    }

    private static IEnumerable<string> TranslationCultures()
        => Directory.EnumerateFiles(Folder, "GatewayErrorPages.*.resx")
            .Select(static path => Path.GetFileNameWithoutExtension(path)["GatewayErrorPages.".Length..])
            .Order(StringComparer.Ordinal);

    private static Dictionary<string, string> Read(string file)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var data in XDocument.Load(Path.Combine(Folder, file)).Root!.Elements("data"))
        {
            var name = (string)data.Attribute("name")!;
            Assert.True(values.TryAdd(name, (string?)data.Element("value") ?? ""), $"{file}: {name} appears twice.");
        }

        return values;
    }

    // Distinct: a text with plural forms ("[one]… {0} second…[other]… {0} seconds…") repeats its placeholder per form.
    private static IEnumerable<string> Placeholders(string value)
        => Placeholder().Matches(value).Select(static m => m.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    /// <summary>The texts the page's script counts with (retry.js picks a form with Intl.PluralRules).</summary>
    public static readonly string[] CountedTexts = ["retryCountdown", "retryStillDown", "retryGaveUp"];

    [Theory]
    [InlineData("en")]
    [MemberData(nameof(Translations))]
    public void CountedTexts_HaveAFormForEveryPluralCategoryTheLanguageUses_AndNoOther(string culture)
    {
        var texts = Read(culture == "en" ? "GatewayErrorPages.resx" : $"GatewayErrorPages.{culture}.resx");

        // The categories CLDR gives each shipped language for whole numbers (Intl.PluralRules(lang).select(n), n >= 0).
        string[] categories = culture switch
        {
            "ja" or "zh-Hans" => ["other"],
            "ar" => ["zero", "one", "two", "few", "many", "other"],
            _ => ["one", "other"],
        };
        foreach (var key in CountedTexts)
        {
            var forms = PluralForms(texts[key]);
            if (categories is ["other"])
            {
                Assert.True(forms.Keys.SequenceEqual(["other"]), $"{culture}: {key} needs no plural forms: '{texts[key]}'.");
                continue;
            }

            // zero in Arabic is only the countdown's last instant; a text may leave it to "other".
            var missing = categories.Except(forms.Keys).Where(c => !(c == "zero" && key == "retryGaveUp"));
            Assert.True(!missing.Any(), $"{culture}: {key} has no form for {string.Join(", ", missing)}: '{texts[key]}'.");
            Assert.True(!forms.Keys.Except(categories).Any(), $"{culture}: {key} has a form for a category the language does not use: '{texts[key]}'.");
            Assert.All(forms, f => Assert.False(string.IsNullOrWhiteSpace(f.Value), $"{culture}: {key}'s {f.Key} form is empty."));
            Assert.Contains("{0}", forms["other"], StringComparison.Ordinal);
        }
    }

    /// <summary>"[one]a[other]b" → one: a, other: b; a text without forms is its own "other".</summary>
    private static Dictionary<string, string> PluralForms(string text)
    {
        if (!text.StartsWith('['))
        {
            return new() { ["other"] = text };
        }

        var parts = PluralCategory().Split(text);
        var forms = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < parts.Length; i += 2)
        {
            Assert.True(forms.TryAdd(parts[i], parts[i + 1]), $"'{text}' has two '{parts[i]}' forms.");
        }

        Assert.Equal("", parts[0]);
        return forms;
    }

    [GeneratedRegex(@"\[(zero|one|two|few|many|other)\]")]
    private static partial Regex PluralCategory();

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
