using GatewayErrors.Tests.TestSupport;

namespace GatewayErrors.Tests.PublicApi;

/// <summary>
/// Fails when the package's public surface changes without <c>PublicApi.approved.txt</c> changing with it, so every
/// addition, removal or signature change is a reviewed line in a diff (the job PublicAPI.Shipped/Unshipped.txt and
/// Microsoft.CodeAnalysis.PublicApiAnalyzers do elsewhere; that analyzer does not restore from the registry here).
/// </summary>
public sealed class PublicApiTests
{
    /// <summary>Set to <c>1</c> to rewrite the approved file from the current build instead of failing.</summary>
    internal const string AcceptVariable = "GATEWAYERRORS_ACCEPT_PUBLIC_API";

    private static readonly string[] ApprovedPath = ["tests", "GatewayErrors.Tests", "PublicApi", "PublicApi.approved.txt"];

    [Fact]
    public void PublicSurface_MatchesApprovedFile()
    {
        var actual = PublicApiText.Render(typeof(GatewayErrorsOptions).Assembly);
        var approvedFile = RepositoryRoot.Combine(ApprovedPath);

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(approvedFile, actual);
            return;
        }

        var approved = File.Exists(approvedFile) ? File.ReadAllText(approvedFile).ReplaceLineEndings("\n") : "";
        if (approved == actual)
        {
            return;
        }

        var actualLines = Lines(actual);
        var approvedLines = Lines(approved);
        var added = actualLines.Except(approvedLines, StringComparer.Ordinal).Select(static l => "+ " + l);
        var removed = approvedLines.Except(actualLines, StringComparer.Ordinal).Select(static l => "- " + l);
        var diff = string.Join('\n', added.Concat(removed));
        var received = Path.Combine(AppContext.BaseDirectory, "PublicApi.received.txt");
        File.WriteAllText(received, actual);

        Assert.Fail(
            $"""
            The public API of GatewayErrors changed, but {string.Join('/', ApprovedPath)} did not.
            (+ is in the build but not approved: added; - is approved but gone from the build: removed or changed)
            {(diff.Length == 0 ? "(only the order or spacing of lines differs)" : diff)}

            If the change is intended, review it (every added line is API we must keep until the next major version;
            every removed line breaks someone), then update the approved file and commit it with the change:
                {AcceptVariable}=1 dotnet test GatewayErrors.sln --filter FullyQualifiedName~PublicApiTests
            or copy {received} over it.
            """);
    }

    [Fact]
    public void Render_ListsKindsModifiersAndNullability()
    {
        var text = PublicApiText.Render(typeof(GatewayErrorsOptions).Assembly);

        // Pins the renderer itself on members whose shape is easy to get wrong, so the approved file stays meaningful.
        Assert.Contains("sealed class GatewayErrors.GatewayErrorsOptions\n", text, StringComparison.Ordinal);
        Assert.Contains("GatewayErrors.GatewayErrorsOptions.ProxyName { get; set; } -> string?\n", text, StringComparison.Ordinal);
        Assert.Contains("const GatewayErrors.GatewayErrorsOptions.SectionName = \"GatewayErrors\" -> string\n", text, StringComparison.Ordinal);
        Assert.Contains("GatewayErrors.UpstreamFailure.RetryAfter { get; init; } -> System.TimeSpan?\n", text, StringComparison.Ordinal);
        Assert.Contains("static Microsoft.Extensions.DependencyInjection.GatewayErrorsServiceCollectionExtensions.AddGatewayErrors(this Microsoft.Extensions.DependencyInjection.IServiceCollection services) -> Microsoft.Extensions.DependencyInjection.IServiceCollection\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("GatewayErrorsMiddleware", text, StringComparison.Ordinal);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
