namespace GatewayErrors.Tests.TestSupport;

/// <summary>Finds files of the repository the tests were built from.</summary>
/// <remarks>
/// Walks up from the test assembly instead of using <c>[CallerFilePath]</c>: CI builds are deterministic and map source
/// paths to <c>/_/</c>, so compile-time paths do not exist on disk there.
/// </remarks>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "GatewayErrors.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No GatewayErrors.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository.");
    }
}
