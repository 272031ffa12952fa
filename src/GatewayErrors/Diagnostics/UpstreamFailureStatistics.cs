using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Counts reported failures per upstream for the health checks and the diagnostics endpoint: totals per error type,
/// the last failure, and an estimate of the failures within <see cref="GatewayDiagnosticsOptions.RecentWindow"/>.
/// </summary>
internal sealed class UpstreamFailureStatistics
{
    private readonly ConcurrentDictionary<string, Stats> _upstreams = new(StringComparer.OrdinalIgnoreCase);
    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly TimeProvider _timeProvider;

    public UpstreamFailureStatistics(IOptionsMonitor<GatewayErrorsOptions> options, TimeProvider timeProvider)
    {
        _options = options;
        _timeProvider = timeProvider;
    }

    public IEnumerable<string> Upstreams => _upstreams.Keys;

    public void Record(string upstream, UpstreamFailure failure, int statusCode)
    {
        var stats = _upstreams.GetOrAdd(upstream, static _ => new Stats());
        var now = _timeProvider.GetUtcNow();
        var window = _options.CurrentValue.Diagnostics.RecentWindow;

        // A short lock keeps the buckets consistent. During an outage every request comes through here, so the last
        // failure is kept as it is and described only when someone asks (Get), not once per failure.
        lock (stats)
        {
            stats.Total++;
            stats.ByType[(int)failure.ErrorType]++;
            stats.LastFailure = failure;
            stats.LastAt = now;
            stats.LastStatus = statusCode;
            Rotate(stats, now, window);
            stats.Current++;
        }
    }

    public UpstreamFailureSnapshot? Get(string upstream)
    {
        if (!_upstreams.TryGetValue(upstream, out var stats))
        {
            return null;
        }

        var now = _timeProvider.GetUtcNow();
        var window = _options.CurrentValue.Diagnostics.RecentWindow;
        lock (stats)
        {
            Rotate(stats, now, window);

            // A sliding window estimated from two fixed ones: the previous bucket counts for the part still in range.
            var elapsed = (now - stats.BucketStart) / window;
            var recent = stats.Current + (long)Math.Round(stats.Previous * Math.Max(0, 1 - elapsed));
            var byType = new Dictionary<GatewayErrorType, long>();
            for (var i = 0; i < stats.ByType.Length; i++)
            {
                if (stats.ByType[i] > 0)
                {
                    byType[(GatewayErrorType)i] = stats.ByType[i];
                }
            }

            LastFailure? last = null;
            if (stats.LastFailure is { } failure)
            {
                var cause = ExceptionChain.Cause(failure.Exception);
                last = new LastFailure(stats.LastAt, failure.ErrorType, stats.LastStatus, cause?.GetType().Name, cause?.Message);
            }

            return new UpstreamFailureSnapshot(stats.Total, recent, byType, last);
        }
    }

    private static void Rotate(Stats stats, DateTimeOffset now, TimeSpan window)
    {
        var elapsed = now - stats.BucketStart;
        if (elapsed < window)
        {
            return;
        }

        stats.Previous = elapsed < window * 2 ? stats.Current : 0;
        stats.Current = 0;
        stats.BucketStart = elapsed < window * 2 ? stats.BucketStart + window : now;
    }

    private sealed class Stats
    {
        public long Total;
        public long[] ByType = new long[ErrorTaxonomy.Count];
        public UpstreamFailure? LastFailure;
        public DateTimeOffset LastAt;
        public int LastStatus;
        public DateTimeOffset BucketStart;
        public long Current;
        public long Previous;
    }
}

/// <summary>The last failure reported for an upstream.</summary>
internal sealed record LastFailure(DateTimeOffset At, GatewayErrorType ErrorType, int StatusCode, string? ExceptionType, string? Message);

/// <summary>What the statistics know about one upstream at one moment.</summary>
internal sealed record UpstreamFailureSnapshot(long Total, long Recent, IReadOnlyDictionary<GatewayErrorType, long> ByType, LastFailure? Last);
