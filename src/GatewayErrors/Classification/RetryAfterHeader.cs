namespace GatewayErrors;

/// <summary>Reads an upstream's <c>Retry-After</c> (RFC 9110 section 10.2.3): delay-seconds or an HTTP date.</summary>
internal static class RetryAfterHeader
{
    /// <summary>The wait the upstream asked for, or <see langword="null"/> when it did not say; a past date is no wait.</summary>
    public static TimeSpan? Read(HttpResponseMessage? response, DateTimeOffset now)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}
