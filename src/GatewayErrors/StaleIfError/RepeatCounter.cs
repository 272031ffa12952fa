namespace GatewayErrors;

/// <summary>
/// Counts repeats of one log event that a hostile cache or an outage could otherwise make once per request: the first
/// is logged, then at most one entry per window carries the count of everything since the last entry.
/// </summary>
internal sealed class RepeatCounter(TimeProvider timeProvider, TimeSpan window)
{
    private readonly object _gate = new();
    private long _lastLogged = long.MinValue;
    private long _count;

    /// <summary>Counts one occurrence; true (with the count since the last entry, this one included) when it is to be logged.</summary>
    public bool ShouldLog(out long count)
    {
        lock (_gate)
        {
            _count++;
            var now = timeProvider.GetTimestamp();
            if (_lastLogged != long.MinValue && timeProvider.GetElapsedTime(_lastLogged, now) < window)
            {
                count = 0;
                return false;
            }

            _lastLogged = now;
            count = _count;
            _count = 0;
            return true;
        }
    }
}
