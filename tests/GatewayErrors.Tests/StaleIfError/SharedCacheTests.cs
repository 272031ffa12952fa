using System.Diagnostics;
using System.Net;
using GatewayErrors.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace GatewayErrors.Tests.StaleIfError;

/// <summary>Stale copies shared through a real redis-server (<c>AddStackExchangeRedisCache</c>), and Redis failing.</summary>
[Collection(SharedRedis.Name)]
public sealed class SharedCacheTests(RedisFixture redis)
{
    [Fact]
    public async Task TwoInstances_InstanceWithUpstreamDownServesCopyTheOtherKept()
    {
        var prefix = Prefix();
        await using var a = await StartAsync(redis.Server, prefix);
        await using var b = await StartAsync(redis.Server, prefix);
        b.Broken = true;

        Assert.Equal("v1", await a.GetBodyAsync("/page/shared"));
        await WaitForKeysAsync(redis.Server, prefix);

        using var response = await b.GetAsync("/page/shared");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1", await response.Content.ReadAsStringAsync());
        Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(response));
        Assert.True(response.Headers.Contains("Cache-Status"));
        Assert.Equal(1, b.Upstream.RequestCount);
    }

    [Fact]
    public async Task RedisStopped_SuccessesAndErrorPagesStillAnswerWithinTheTimeout()
    {
        await using var own = await RedisServer.StartAsync();
        var prefix = Prefix();
        // Redis' own command timeout is made long (20 s): only the guard's 250 ms can make the answers below quick.
        await using var host = await StartAsync(own, prefix, cacheTimeout: "00:00:00.250", extra: ",asyncTimeout=20000,syncTimeout=20000");
        Assert.Equal("v1", await host.GetBodyAsync("/page/kept"));
        await WaitForKeysAsync(own, prefix);
        var failuresLoggedBefore = host.Logged(403).Count;

        await own.StopAsync();

        // Without the guard, StackExchange.Redis queues commands until its timeout while it tries to reconnect.
        var bound = TimeSpan.FromSeconds(4);
        var clock = Stopwatch.StartNew();
        Assert.Equal("v2", await host.GetBodyAsync("/page/new"));
        Assert.True(clock.Elapsed < bound, $"A success took {clock.Elapsed} with Redis down.");

        host.Broken = true;
        clock.Restart();
        using (var error = await host.GetAsync("/page/never-kept"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
            Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(error));
        }

        Assert.True(clock.Elapsed < bound, $"The error page took {clock.Elapsed} with Redis down.");

        // This instance's memory still has what it kept.
        Assert.Equal("v1", await host.GetBodyAsync("/page/kept"));
        using (var another = await host.GetAsync("/page/another"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, another.StatusCode);
        }

        // Logged once for the outage, however many requests met it.
        Assert.Equal(failuresLoggedBefore + 1, host.Logged(403).Count);
        Assert.DoesNotContain(host.App.Logs.GetSnapshot(), static e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task GarbageUnderKey_IsIgnoredAndLogged()
    {
        var prefix = Prefix();
        await using var a = await StartAsync(redis.Server, prefix);
        await using var b = await StartAsync(redis.Server, prefix);
        b.Broken = true;
        await a.GetBodyAsync("/page/garbage");
        var keys = await WaitForKeysAsync(redis.Server, prefix);

        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString))
        {
            var database = connection.GetDatabase();
            foreach (var key in keys)
            {
                // RedisCache keeps each value in a hash's "data" field (older versions: a plain string).
                if (await database.KeyTypeAsync(key) == RedisType.Hash)
                {
                    await database.HashSetAsync(key, "data", "\u0001not a copy\u00ff"u8.ToArray());
                }
                else
                {
                    await database.StringSetAsync(key, "\u0001not a copy\u00ff"u8.ToArray());
                }
            }
        }

        using var response = await b.GetAsync("/page/garbage");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("destination_unavailable", ResponseAssertions.ProxyStatusError(response));
        Assert.NotEmpty(b.Logged(406));
    }

    private static string Prefix() => "test-" + Guid.NewGuid().ToString("N")[..8] + ":";

    // A first connection on a busy machine can take longer than the default 250 ms: the sharing tests are about sharing.
    private static Task<StaleHost> StartAsync(RedisServer server, string prefix, string cacheTimeout = "00:00:03", string extra = "")
        => StaleHost.StartAsync(s =>
        {
            // Real time: the cache timeout is a real network deadline.
            s.Time = null;
            s.Configuration["GatewayErrors:StaleIfError:CacheTimeout"] = cacheTimeout;
            s.Services = services => services.AddStackExchangeRedisCache(o =>
            {
                o.Configuration = server.ConnectionString + extra;
                o.InstanceName = prefix;
            });
        });

    private static async Task<RedisKey[]> WaitForKeysAsync(RedisServer server, string prefix)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var endpoint = connection.GetEndPoints().Single();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var keys = connection.GetServer(endpoint).Keys(pattern: prefix + "*").Where(static k => !k.ToString().Contains("__MSFT_HCT__", StringComparison.Ordinal)).ToArray();
            if (keys.Length > 0)
            {
                return keys;
            }

            Assert.True(DateTime.UtcNow < deadline, "No copy reached Redis.");
            await Task.Delay(10);
        }
    }
}
