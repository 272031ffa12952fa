using System.Buffers;

namespace GatewayErrors.Tests.StaleIfError;

/// <summary>What a <see cref="StaleCopy"/> replays and how its numbers are bounded, however it was made.</summary>
public sealed class StaleCopyTests
{
    [Theory]
    [InlineData("Content-Type", true)]
    [InlineData("X-Version", true)]
    [InlineData("Cache-Status", true)]
    [InlineData("Connection", false)]
    [InlineData("keep-alive", false)]
    [InlineData("Proxy-Connection", false)]
    [InlineData("TE", false)]
    [InlineData("Trailer", false)]
    [InlineData("Transfer-Encoding", false)]
    [InlineData("Upgrade", false)]
    [InlineData("Proxy-Authenticate", false)]
    [InlineData("Set-Cookie", false)]
    [InlineData("set-cookie", false)]
    [InlineData("Content-Length", false)]
    [InlineData("Age", false)]
    [InlineData("X Bad", false)]
    [InlineData("X-Bad\r\nInjected", false)]
    [InlineData(":status", false)]
    [InlineData("", false)]
    public void MayReplay_AllowsOnlyEndToEndValidNames(string name, bool allowed) => Assert.Equal(allowed, StaleCopy.MayReplay(name));

    [Fact]
    public void Constructor_DropsHeadersNamedInConnection_AndBadValues()
    {
        var copy = new StaleCopy(200, DateTimeOffset.UnixEpoch, null, 0, 0,
        [
            new("Connection", ["close, X-Hop"]),
            new("X-Hop", ["1"]),
            new("X-Fine", ["ok", "also\tok"]),
            new("X-Split", ["fine", "a\nb"]),
            new("X-Nul", ["a\0b"]),
            new("X-Utf8", ["caf\u00e9"]),
        ], []);

        Assert.Equal(["X-Fine"], copy.Headers.Select(static h => h.Key));
    }

    [Fact]
    public void AgeAndTtl_AreClampedToStructuredFieldIntegers()
    {
        var stored = DateTimeOffset.UnixEpoch;
        var copy = new StaleCopy(200, stored, null, long.MaxValue, long.MaxValue, [], []);

        Assert.Equal(999_999_999_999_999, copy.AgeSeconds(stored.AddYears(10)));
        Assert.Equal(0, copy.TtlSeconds(stored.AddYears(10)));
        Assert.Equal(0, new StaleCopy(200, stored, null, -5, -5, [], []).AgeSeconds(stored.AddSeconds(-100)));
        Assert.Equal(-30, new StaleCopy(200, stored, null, 0, 0, [], []).TtlSeconds(stored.AddSeconds(30)));
    }

    [Fact]
    public void Serializer_RoundTrip_KeepsReplayableHeaders()
    {
        var copy = new StaleCopy(200, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(7), 60, 3, [new("X-A", ["1"])], [1, 2, 3]);
        var buffer = new ArrayBufferWriter<byte>();
        StaleCopySerializer.Instance.Serialize(copy, buffer);

        var read = StaleCopySerializer.Instance.Deserialize(new ReadOnlySequence<byte>(buffer.WrittenMemory));

        Assert.Equal(200, read.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), read.StaleIfError);
        Assert.Equal(60, read.FreshnessSeconds);
        Assert.Equal(3, read.InitialAgeSeconds);
        Assert.Equal("X-A", Assert.Single(read.Headers).Key);
        Assert.Equal([1, 2, 3], read.Body);
    }

    [Fact]
    public void Serializer_RejectsAnythingButA200()
    {
        var buffer = new ArrayBufferWriter<byte>();
        StaleCopySerializer.Instance.Serialize(new StaleCopy(302, DateTimeOffset.UnixEpoch, null, 0, 0, [new("Location", ["https://evil.example/"])], []), buffer);

        Assert.Throws<InvalidDataException>(() => StaleCopySerializer.Instance.Deserialize(new ReadOnlySequence<byte>(buffer.WrittenMemory)));
    }
}
