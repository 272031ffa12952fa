using Microsoft.Extensions.Time.Testing;

namespace GatewayErrors.Tests.TestSupport;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that can also wait until some code has scheduled a timer: code that schedules on
/// another thread (a retry delay after a response) must have reached its timer before the test advances past it, or
/// the advance comes too early and the timer never fires. FakeTimeProvider keeps its timers internal and offers no
/// such wait, so this is the one piece of the old hand-written clock that stays.
/// </summary>
public sealed class TimerWatchingTimeProvider : FakeTimeProvider
{
    private readonly object _gate = new();
    private readonly Dictionary<WatchedTimer, DateTimeOffset> _due = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new WatchedTimer(this, base.CreateTimer(callback, state, dueTime, period));
        Watch(timer, dueTime);
        return timer;
    }

    /// <summary>
    /// Waits (in real time, at most 10 s) until a timer due exactly <paramref name="dueIn"/> from now was scheduled.
    /// </summary>
    public async Task WaitForTimerAsync(TimeSpan dueIn)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            lock (_gate)
            {
                var now = GetUtcNow();
                if (_due.Values.Any(at => at - now == dueIn))
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No timer due in {dueIn} was scheduled.");
            }

            await Task.Delay(5);
        }
    }

    private void Watch(WatchedTimer timer, TimeSpan? dueTime)
    {
        lock (_gate)
        {
            if (dueTime is { } due && due != Timeout.InfiniteTimeSpan)
            {
                _due[timer] = GetUtcNow() + due;
            }
            else
            {
                _due.Remove(timer);
            }
        }
    }

    private sealed class WatchedTimer(TimerWatchingTimeProvider owner, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Watch(this, dueTime);
            return inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            owner.Watch(this, null);
            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
