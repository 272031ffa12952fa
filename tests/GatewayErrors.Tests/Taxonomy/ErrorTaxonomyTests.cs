using System.Globalization;
using System.Resources;

namespace GatewayErrors.Tests.Taxonomy;

public sealed class ErrorTaxonomyTests
{
    private static readonly ResourceManager English = new(PageTexts.ResourceBaseName, typeof(PageTexts).Assembly);

    public static TheoryData<GatewayErrorType> Types() => new(Enum.GetValues<GatewayErrorType>());

    [Theory]
    [MemberData(nameof(Types))]
    public void EveryErrorType_HasOneRowWithTokenStatusAndAdvice(GatewayErrorType type)
    {
        var row = ErrorTaxonomy.Get(type);

        Assert.Equal(type, row.Type);
        Assert.InRange(row.RecommendedStatus, 500, 504);
        Assert.False(string.IsNullOrWhiteSpace(row.Name));
        Assert.NotEmpty(row.VisitorAdviceKeys);
        Assert.Equal(3, row.OwnerAdvice.Count);
        Assert.All(row.OwnerAdvice, static step => Assert.True(step.EndsWith('.') || step.EndsWith('?'), step));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void EveryRowsTextKeys_AreInTheEnglishResources(GatewayErrorType type)
    {
        // The neutral GatewayErrorPages.resx is the one source of the English words; the row only names them.
        var row = ErrorTaxonomy.Get(type);
        Assert.Equal($"{row.Name}.title", row.TitleKey);
        foreach (var key in row.VisitorAdviceKeys.Prepend(row.CauseKey).Prepend(row.HopStateKey).Prepend(row.SummaryKey).Prepend(row.TitleKey))
        {
            Assert.False(string.IsNullOrWhiteSpace(English.GetString(key, CultureInfo.InvariantCulture)), $"{key} is not in Localization/GatewayErrorPages.resx.");
        }

        Assert.Equal(English.GetString(row.TitleKey, CultureInfo.InvariantCulture), row.EnglishTitle);
        Assert.Equal(English.GetString(row.SummaryKey, CultureInfo.InvariantCulture), row.EnglishSummary);
    }

    [Fact]
    public void EveryPerTypeKeyInTheEnglishResources_BelongsToARow()
    {
        // A key left behind by a renamed or removed type would be translated for nothing.
        var rowKeys = ErrorTaxonomy.All.SelectMany(static r => (string[])[r.TitleKey, r.SummaryKey, r.HopStateKey, r.CauseKey, .. r.VisitorAdviceKeys]).ToHashSet();
        var typeKeys = English.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: false)!
            .Cast<System.Collections.DictionaryEntry>()
            .Select(static e => (string)e.Key)
            // plain.* are the plain text body's labels, shared by every type.
            .Where(static key => key.Contains('.', StringComparison.Ordinal) && !key.StartsWith("plain.", StringComparison.Ordinal));

        Assert.All(typeKeys, key => Assert.Contains(key, rowKeys));
    }

    [Theory]
    [InlineData(GatewayErrorType.ConnectionLimitReached, "Site")]
    [InlineData(GatewayErrorType.DestinationUnavailable, "Upstream")]
    [InlineData(GatewayErrorType.UpstreamServerError, "Upstream")]
    [InlineData(GatewayErrorType.DnsError, "Connection")]
    [InlineData(GatewayErrorType.DnsTimeout, "Connection")]
    [InlineData(GatewayErrorType.ConnectionRefused, "Connection")]
    [InlineData(GatewayErrorType.ConnectionTimeout, "Connection")]
    [InlineData(GatewayErrorType.TlsCertificateError, "Connection")]
    [InlineData(GatewayErrorType.HttpResponseTimeout, "Connection")]
    [InlineData(GatewayErrorType.HttpProtocolError, "Connection")]
    public void FailedHop_IsWhereTheFailureHappened(GatewayErrorType type, string hop) => Assert.Equal(hop, ErrorTaxonomy.Get(type).Hop.ToString());

    [Fact]
    public void UndefinedValue_IsAClearErrorNotAGenericType()
    {
        var undefined = (GatewayErrorType)99;

        var lookup = Assert.Throws<ArgumentOutOfRangeException>(() => ErrorTaxonomy.Get(undefined));
        Assert.Contains("99 is not a defined GatewayErrorType", lookup.Message, StringComparison.Ordinal);

        // App code that makes a failure with such a value hears about it at once, not on the error path.
        var failure = Assert.Throws<ArgumentOutOfRangeException>(() => new UpstreamFailure("catalog", undefined));
        Assert.Equal("errorType", failure.ParamName);
        Assert.Contains("ConnectionRefused", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingRow_IsNamedAtStartUp()
    {
        var rows = ErrorTaxonomy.All.Where(static row => row.Type != GatewayErrorType.DnsTimeout);

        var exception = Assert.Throws<InvalidOperationException>(() => ErrorTaxonomy.Build(rows));

        Assert.Contains("no row for GatewayErrorType.DnsTimeout", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateRow_IsNamedAtStartUp()
    {
        var rows = ErrorTaxonomy.All.Append(ErrorTaxonomy.Get(GatewayErrorType.ConnectionRefused));

        var exception = Assert.Throws<InvalidOperationException>(() => ErrorTaxonomy.Build(rows));

        Assert.Contains("two rows for GatewayErrorType.ConnectionRefused", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StatusOverride_IsAppliedByTheTaxonomy()
    {
        var options = new GatewayErrorsOptions();
        options.StatusCodes[GatewayErrorType.ConnectionRefused] = 503;

        Assert.Equal(503, ErrorTaxonomy.StatusFor(options, GatewayErrorType.ConnectionRefused));
        Assert.Equal(504, ErrorTaxonomy.StatusFor(options, GatewayErrorType.DnsTimeout));
    }
}
