namespace GatewayErrors.Tests.Hardening;

/// <summary>
/// The hardening tests that measure the process (managed memory, connections) run alone: with other tests allocating in
/// parallel, <see cref="GC.GetTotalMemory(bool)"/> would measure them too.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HardeningTestGroup
{
    public const string Name = "Hardening (not parallel)";
}

/// <summary>Managed memory measured the same way before and after a test's load.</summary>
internal static class ManagedMemory
{
    public const long MiB = 1024 * 1024;

    /// <summary>Live managed bytes after a full, compacting collection (finalizers run, so released sockets are gone).</summary>
    public static long Measure()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static string Describe(long before, long after)
        => $"managed memory {before / (double)MiB:F1} MiB before, {after / (double)MiB:F1} MiB after (+{(after - before) / (double)MiB:F1} MiB)";
}
