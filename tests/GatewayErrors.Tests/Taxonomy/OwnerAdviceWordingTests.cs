namespace GatewayErrors.Tests.Taxonomy;

/// <summary>The owner's advice is shown as it is written: it cannot carry a placeholder the page does not fill.</summary>
public sealed class OwnerAdviceWordingTests
{
    public static TheoryData<GatewayErrorType> Types()
    {
        var data = new TheoryData<GatewayErrorType>();
        foreach (var type in Enum.GetValues<GatewayErrorType>())
        {
            data.Add(type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void OwnerAdvice_HasNoUnfilledPlaceholder(GatewayErrorType type)
    {
        foreach (var step in ErrorTaxonomy.Get(type).OwnerAdvice)
        {
            // "GatewayErrors:Upstreams:<name>:MaxConcurrentRequests" reached the page with "<name>" in it.
            Assert.DoesNotContain('<', step);
            Assert.DoesNotContain('{', step);
        }
    }

    [Fact]
    public void DestinationUnavailable_Advice_FitsMaintenanceToo_NotOnlyEarlierFailures()
    {
        // The page of an upstream in maintenance sent its owner looking for "the failures logged just before this one";
        // in maintenance there are none.
        var advice = string.Join(" ", ErrorTaxonomy.Get(GatewayErrorType.DestinationUnavailable).OwnerAdvice);

        Assert.DoesNotContain("just before this one", advice, StringComparison.Ordinal);
        Assert.Contains("maintenance", advice, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("circuit", advice, StringComparison.Ordinal);
    }
}
