using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Decides which failures are logged in full and counts the rest, so an outage of thousands of failures per second
/// writes a few entries per window instead of thousands.
/// </summary>
/// <remarks>
/// Per (upstream, error type): the first failure is logged in full and opens a window; repeats within the window
/// are only counted; the count is written as one summary entry when the window has ended (by the next failure or
/// by a timer, whichever comes first). Every failure is either logged in full or counted in exactly one summary, so
/// the numbers add up. A repeat costs a dictionary lookup, a timestamp and one interlocked increment.
/// </remarks>
internal sealed class FailureLogSummarizer : IDisposable
{
    private static readonly TimeSpan FlushPeriod = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string Upstream, GatewayErrorType Type), Entry> _entries = new();
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Action<ILogger, string, string, long, double> _writeSummary;

    public FailureLogSummarizer(IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
        // A summary stands for failure entries that were not written: it belongs in their category, so that one filter
        // covers a failure and its repeats.
        : this(options, timeProvider, loggerFactory.CreateLogger(Log.FailureCategory), Log.UpstreamFailuresSummarized)
    {
    }

    /// <summary>A summariser of other repeated events (stale copies served), written in their own category and summary entry.</summary>
    internal FailureLogSummarizer(IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider, ILogger logger,
        Action<ILogger, string, string, long, double> writeSummary)
    {
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _writeSummary = writeSummary;
        _timer = timeProvider.CreateTimer(static state => ((FailureLogSummarizer)state!).Flush(), this, FlushPeriod, FlushPeriod);
    }

    /// <summary>Counts a failure; returns <see langword="true"/> when it should be logged in full.</summary>
    public bool ShouldLogInFull(string upstream, GatewayErrorType type)
    {
        var window = _options.CurrentValue.Diagnostics.LogSummaryWindow;
        if (window <= TimeSpan.Zero)
        {
            return true;
        }

        var entry = _entries.GetOrAdd((upstream, type), static _ => new Entry());
        var now = _timeProvider.GetTimestamp();
        if (now < Volatile.Read(ref entry.WindowEnd))
        {
            Interlocked.Increment(ref entry.Suppressed);
            return false;
        }

        lock (entry)
        {
            if (now < entry.WindowEnd)
            {
                Interlocked.Increment(ref entry.Suppressed);
                return false;
            }

            WriteSummary(upstream, type, entry);
            entry.WindowStart = now;
            Volatile.Write(ref entry.WindowEnd, now + (long)(window.TotalSeconds * _timeProvider.TimestampFrequency));
            return true;
        }
    }

    /// <summary>Writes the summaries of windows that have ended.</summary>
    public void Flush() => Flush(force: false);

    public void Dispose()
    {
        _timer.Dispose();
        Flush(force: true);
    }

    private void Flush(bool force)
    {
        var now = _timeProvider.GetTimestamp();
        foreach (var (key, entry) in _entries)
        {
            if (Volatile.Read(ref entry.Suppressed) == 0 || (!force && now < Volatile.Read(ref entry.WindowEnd)))
            {
                continue;
            }

            lock (entry)
            {
                if (force || now >= entry.WindowEnd)
                {
                    WriteSummary(key.Upstream, key.Type, entry);
                }
            }
        }
    }

    // Called under the entry's lock: only one thread takes a window's count.
    private void WriteSummary(string upstream, GatewayErrorType type, Entry entry)
    {
        var count = Interlocked.Exchange(ref entry.Suppressed, 0);
        if (count > 0)
        {
            var seconds = Math.Round((double)(entry.WindowEnd - entry.WindowStart) / _timeProvider.TimestampFrequency, 1);
            _writeSummary(_logger, upstream, ErrorTaxonomy.Get(type).Name, count, seconds);
        }
    }

    private sealed class Entry
    {
        public long WindowStart;
        public long WindowEnd;
        public long Suppressed;
    }
}
