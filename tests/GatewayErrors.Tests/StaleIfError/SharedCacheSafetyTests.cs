using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using GatewayErrors.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace GatewayErrors.Tests.StaleIfError;

/// <summary>
/// The shared cache (a real redis-server) is bounded, and what comes back from it is checked: a flood of URLs cannot
/// fill it, a value written into it by someone else is filtered, and with a signing key it is not served at all.
/// </summary>
[Collection(SharedRedis.Name)]
public sealed class SharedCacheSafetyTests(RedisFixture redis)
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(static i => (byte)i).ToArray());
    private static readonly string OtherKey = Convert.ToBase64String(Enumerable.Range(101, 32).Select(static i => (byte)i).ToArray());

    [Fact]
    public async Task Flood_20000DistinctUrls_RedisHoldsAtMostTheRouteBound()
    {
        await using var own = await RedisServer.StartAsync();
        await using var host = await StartAsync(own, Prefix(), s =>
        {
            s.Configuration["GatewayErrors:StaleIfError:MaxSharedCopiesPerRoute"] = "50";
            s.Configuration["GatewayErrors:StaleIfError:MaxSharedWritesPerSecond"] = "100000";
        });

        await Parallel.ForEachAsync(Enumerable.Range(0, 20_000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            using var response = await host.GetAsync($"/flood/item?id={i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });

        // The bound is reached (and said once); no write past it is ever queued, so the count cannot grow later.
        await WaitForAsync(() => DatabaseSize(own) >= 50, "50 copies never reached Redis.");
        Assert.Single(host.Logged(411));
        Assert.Equal(50, DatabaseSize(own));
    }

    [Fact]
    public async Task WritesPastRate_AreKeptInMemoryOnly()
    {
        await using var own = await RedisServer.StartAsync();
        await using var host = await StartAsync(own, Prefix(), s => s.Configuration["GatewayErrors:StaleIfError:MaxSharedWritesPerSecond"] = "5");

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("x", await host.GetBodyAsync($"/flood/first/{i}"));
        }

        await host.WaitForKeptAsync("/flood/first/19");
        await WaitForAsync(() => DatabaseSize(own) >= 5, "No copy reached Redis.");

        // One second later, one more second's worth.
        host.App.Time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("x", await host.GetBodyAsync($"/flood/second/{i}"));
        }

        await WaitForAsync(() => DatabaseSize(own) >= 10, "The second second's copies never reached Redis.");
        Assert.Equal(10, DatabaseSize(own));
    }

    [Fact]
    public async Task ValueWrittenIntoRedis_WithHostileHeaders_IsServedWithThoseHeadersFiltered()
    {
        // Without a signing key the shared cache is trusted (docs say so): a well-formed copy is served, but nothing in
        // it can reach the response that a kept copy could not carry.
        var prefix = Prefix();
        await using var host = await StartAsync(redis.Server, prefix);
        host.Broken = true;
        await WriteAsAttackerAsync(redis.Server, prefix, "/page/evil", signingKey: null,
        [
            new("Content-Type", ["text/plain"]),
            new("X-Fine", ["ok"]),
            new("Set-Cookie", ["session=stolen; Path=/"]),
            new("Connection", ["X-Hop"]),
            new("X-Hop", ["1"]),
            new("Transfer-Encoding", ["chunked"]),
            new("Content-Length", ["999"]),
            new("Age", ["-9223372036854775807"]),
            new("X-Split", ["a\r\nX-Injected: 1"]),
            new("X-Nul", ["a\0b"]),
            new("Bad Name", ["1"]),
        ], "evil body", ageSeconds: long.MaxValue);

        using var response = await host.GetAsync("/page/evil");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("evil body", await response.Content.ReadAsStringAsync());
        Assert.Equal("ok", Assert.Single(response.Headers.GetValues("X-Fine")));
        Assert.Equal(9, response.Content.Headers.ContentLength);
        foreach (var name in new[] { "Set-Cookie", "X-Hop", "X-Split", "X-Injected", "X-Nul", "Transfer-Encoding" })
        {
            Assert.False(response.Headers.Contains(name), name);
        }

        Assert.Equal("999999999999999", Assert.Single(response.Headers.GetValues("Age")));
        Assert.Single(StructuredFieldList.Parse(string.Join(", ", response.Headers.GetValues("Cache-Status"))));
    }

    [Theory]
    [InlineData("no key")]
    [InlineData("another key")]
    public async Task SigningKey_ValueWrittenWithoutIt_IsNeverServed(string attacker)
    {
        var prefix = Prefix();
        await using var host = await StartAsync(redis.Server, prefix, s => s.Configuration["GatewayErrors:StaleIfError:SigningKey"] = Key);
        host.Broken = true;
        await WriteAsAttackerAsync(redis.Server, prefix, "/page/forged", attacker == "no key" ? null : OtherKey,
            [new("Content-Type", ["text/plain"])], "forged body", ageSeconds: 0);

        using var response = await host.GetAsync("/page/forged");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain("forged body", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(host.Logged(410));
        Assert.DoesNotContain(host.App.Logs.GetSnapshot(), static e => e.Message.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SigningKey_ValueMovedToAnotherKey_IsRejected_ItsOwnKeyStillServes()
    {
        var prefix = Prefix();
        await using var a = await StartAsync(redis.Server, prefix, s => s.Configuration["GatewayErrors:StaleIfError:SigningKey"] = Key);
        await using var b = await StartAsync(redis.Server, prefix, s => s.Configuration["GatewayErrors:StaleIfError:SigningKey"] = Key);
        a.Respond = static (context, _) => context.Response.WriteAsync(context.Request.Path == "/page/secret" ? "secret" : "public");
        Assert.Equal("secret", await a.GetBodyAsync("/page/secret"));
        Assert.Equal("public", await a.GetBodyAsync("/page/public"));
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString))
        {
            var database = connection.GetDatabase();
            var secret = RedisKeyOf(prefix, "/page/secret");
            var moved = RedisKeyOf(prefix, "/page/public");
            await WaitForAsync(() => database.KeyExists(secret) && database.KeyExists(moved), "The copies never reached Redis.");

            // Someone with write access copies the value of one URL over another's.
            await database.HashSetAsync(moved, "data", await database.HashGetAsync(secret, "data"));
        }

        b.Broken = true;
        using (var rejected = await b.GetAsync("/page/public"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
            Assert.DoesNotContain("secret", await rejected.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Single(b.Logged(410));
        Assert.Equal("secret", await b.GetBodyAsync("/page/secret"));
    }

    [Fact]
    public async Task PreviousSigningKey_CopiesSignedWithItAreStillServed()
    {
        var prefix = Prefix();
        await using var before = await StartAsync(redis.Server, prefix, s => s.Configuration["GatewayErrors:StaleIfError:SigningKey"] = OtherKey);
        await using var after = await StartAsync(redis.Server, prefix, s =>
        {
            s.Configuration["GatewayErrors:StaleIfError:SigningKey"] = Key;
            s.Configuration["GatewayErrors:StaleIfError:PreviousSigningKey"] = OtherKey;
        });
        Assert.Equal("v1", await before.GetBodyAsync("/page/rotated"));
        await WaitForAsync(async () => await KeyExistsAsync(redis.Server, RedisKeyOf(prefix, "/page/rotated")), "The copy never reached Redis.");
        after.Broken = true;

        Assert.Equal("v1", await after.GetBodyAsync("/page/rotated"));
        Assert.Empty(after.Logged(410));
    }

    private static string Prefix() => "safety-" + Guid.NewGuid().ToString("N")[..8] + ":";

    private static string RedisKeyOf(string prefix, string path) => prefix + StaleHost.KeyOf(path);

    private static Task<StaleHost> StartAsync(RedisServer server, string prefix, Action<GatewayTestAppSettings>? configure = null)
        => StaleHost.StartAsync(s =>
        {
            // Time stays fake (the bounds' rate is counted in it); a first connection may be slow on a busy machine.
            s.Configuration["GatewayErrors:StaleIfError:CacheTimeout"] = "00:00:05";
            s.Services = services => services.AddStackExchangeRedisCache(o =>
            {
                o.Configuration = server.ConnectionString;
                o.InstanceName = prefix;
            });
            s.Endpoints = static web => web.MapGet("/flood/{**path}", static () => "x").WithStaleIfError(TimeSpan.FromHours(1)).WithName("flood");
            configure?.Invoke(s);
        });

    private static long DatabaseSize(RedisServer server)
    {
        using var connection = ConnectionMultiplexer.Connect(server.ConnectionString);
        return connection.GetServer(connection.GetEndPoints().Single()).DatabaseSize();
    }

    private static async Task<bool> KeyExistsAsync(RedisServer server, string key)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        return await connection.GetDatabase().KeyExistsAsync(key);
    }

    private static Task WaitForAsync(Func<bool> condition, string message) => WaitForAsync(() => Task.FromResult(condition()), message);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Writes a well-formed copy as someone with write access to the Redis would: through HybridCache and the same
    /// framing, but with bytes that no capture would produce (hostile headers, a hostile Age), optionally signed.
    /// </summary>
    private static async Task WriteAsAttackerAsync(RedisServer server, string prefix, string path, string? signingKey,
        KeyValuePair<string, string[]>[] headers, string body, long ageSeconds)
    {
        var redisServices = new ServiceCollection().AddStackExchangeRedisCache(o =>
        {
            o.Configuration = server.ConnectionString;
            o.InstanceName = prefix;
        }).BuildServiceProvider();
        await using var _ = redisServices;
        var guarded = new GuardedDistributedCache(redisServices.GetRequiredService<IDistributedCache>(), TimeSpan.FromSeconds(5), TimeProvider.System,
            NullLogger.Instance, GuardedDistributedCache.DecodeKey(signingKey));
        var services = new ServiceCollection();
        services.AddSingleton<IDistributedCache>(guarded);
        services.AddHybridCache(static o => o.DisableCompression = true).AddSerializer(new RawCopy(Copy(headers, body, ageSeconds)));
        await using var provider = services.BuildServiceProvider();
        var key = StaleHost.KeyOf(path);
        await provider.GetRequiredService<HybridCache>().SetAsync(key, StaleCopy.ForVaryRules([], DateTimeOffset.UtcNow),
            new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(5) });
        await WaitForAsync(async () => await KeyExistsAsync(server, prefix + key), "The attacker's value never reached Redis.");
    }

    // StaleCopySerializer's format, written by hand: the StaleCopy constructor would filter the headers.
    private static byte[] Copy(KeyValuePair<string, string[]>[] headers, string body, long ageSeconds)
    {
        var buffer = new ArrayBufferWriter<byte>();
        void Int32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), value);
            buffer.Advance(4);
        }

        void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), value);
            buffer.Advance(8);
        }

        void String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Int32(bytes.Length);
            buffer.Write(bytes);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(buffer.GetSpan(4), 0x47455331);
        buffer.Advance(4);
        buffer.Write([(byte)0]);
        Int64(DateTimeOffset.UtcNow.UtcTicks);
        Int32(200);
        Int64(-1);
        Int64(0);
        Int64(ageSeconds);
        Int32(headers.Length);
        foreach (var (name, values) in headers)
        {
            String(name);
            Int32(values.Length);
            foreach (var value in values)
            {
                String(value);
            }
        }

        var content = Encoding.UTF8.GetBytes(body);
        Int32(content.Length);
        buffer.Write(content);
        return buffer.WrittenSpan.ToArray();
    }

    private sealed class RawCopy(byte[] bytes) : IHybridCacheSerializer<StaleCopy>
    {
        public StaleCopy Deserialize(ReadOnlySequence<byte> source) => StaleCopySerializer.Instance.Deserialize(source);

        public void Serialize(StaleCopy value, IBufferWriter<byte> target) => target.Write(bytes);
    }
}
