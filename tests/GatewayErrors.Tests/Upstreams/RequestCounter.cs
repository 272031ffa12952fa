namespace GatewayErrors.Tests.Upstreams;

/// <summary>Counts the requests an upstream received and lets a test await a count instead of sleeping.</summary>
internal sealed class RequestCounter
{
    private readonly object _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Counts one request and returns its 1-based number.</summary>
    public int Increment()
    {
        var number = Interlocked.Increment(ref _count);
        lock (_gate)
        {
            foreach (var waiter in _waiters.Where(w => w.Count <= number).ToList())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }

        return number;
    }

    /// <summary>Completes once at least <paramref name="count"/> requests arrived; fails after 10 s.</summary>
    public Task WaitForAsync(int count)
    {
        lock (_gate)
        {
            if (Count >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
