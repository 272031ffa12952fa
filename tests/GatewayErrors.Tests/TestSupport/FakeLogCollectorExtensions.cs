using Microsoft.Extensions.Logging.Testing;

namespace GatewayErrors.Tests.TestSupport;

/// <summary>The two questions tests ask a <see cref="FakeLogCollector"/> that it does not answer in one call.</summary>
public static class FakeLogCollectorExtensions
{
    /// <summary>The entries GatewayErrors itself wrote (its categories), leaving out the host's and HttpClient's.</summary>
    public static IReadOnlyList<FakeLogRecord> FromGatewayErrors(this FakeLogCollector logs)
        => logs.GetSnapshot().Where(static e => e.Category?.StartsWith("GatewayErrors", StringComparison.Ordinal) == true).ToArray();

    /// <summary>
    /// Waits until an entry matching <paramref name="predicate"/> was logged (entries logged from another thread, after
    /// the response was sent), failing after <paramref name="timeout"/> with every entry that was logged instead.
    /// </summary>
    public static async Task<FakeLogRecord> WaitForAsync(this FakeLogCollector logs, Func<FakeLogRecord, bool> predicate, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            await foreach (var entry in logs.GetLogsAsync(deadline.Token))
            {
                if (predicate(entry))
                {
                    return entry;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException("No matching log entry. Logged: " + string.Join(" | ", logs.GetSnapshot().Select(static e => $"{e.Id.Name}: {e.Message}")));
    }
}
