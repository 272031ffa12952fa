using System.Globalization;
using System.Text;

namespace GatewayErrors.Tests.Hardening;

/// <summary>One generated request: what is sent, and the body kind it must get when its <c>Accept</c> is unambiguous.</summary>
internal sealed record HostileRequest(string Method, string PathAndQuery, IReadOnlyList<KeyValuePair<string, string>> Headers, ResponseBodyKind? ExpectedKind)
{
    public override string ToString()
        => $"{Method} {PathAndQuery} [{string.Join("; ", Headers.Select(static h => $"{h.Key}: {Shorten(h.Value)}"))}]";

    private static string Shorten(string value) => value.Length <= 120 ? value : $"{value[..120]}… ({value.Length} chars)";
}

/// <summary>
/// Generates hostile requests from a seed, so a failure reproduces: paths with script, quotes, <c>javascript:</c>,
/// percent-encoded junk and invalid UTF-8, overlong segments; header values that are huge, malformed or full of markup.
/// </summary>
internal sealed class HostileRequests(int seed)
{
    /// <summary>The seed used when <c>GATEWAYERRORS_HARDENING_SEED</c> is not set.</summary>
    public const int DefaultSeed = 20_260_101;

    /// <summary>Appears in every generated payload, so a test can look for it in what came back.</summary>
    public const string Marker = "gwx";

    private static readonly string[] PathPieces =
    [
        $"<script>alert('{Marker}')</script>", $"\"><img src=x onerror=alert(1) id={Marker}>", $"' onmouseover='{Marker}'",
        $"javascript:alert('{Marker}')", "JaVaScRiPt:alert(1)", $"</title><svg onload=alert(1) class={Marker}>", "{{7*7}}", "{{{body}}}",
        "%00", "%2F", "%2f..%2f..%2fetc%2fpasswd", "%C3%28", "%FF", "%E2%82", "%ED%A0%80", "%F0%9F%98%80", "%", "%G1", "%%%",
        "x..y", "...", "a.%2e", "caf%C3%A9", "%E2%80%AE%E2%80%8B", "a;b=c", "@", "~", "!$&'()*+,;=", "%0D%0ASet-Cookie:%20x=1",
        "%3Cscript%3E", "%22%3E%3Cb%3E", "\u00e9\u00fc\u4e2d\u6587", "\ud83d\ude00", "\u202e", "a%20b", "%09",
    ];

    private static readonly string[] HeaderPieces =
    [
        $"<script>alert('{Marker}')</script>", $"\"><b id={Marker}>", $"javascript:alert('{Marker}')", "' \" < > &", "\u00e9\u4e2d\ud83d\ude00",
        "\u202e", "\t", "%C3%28", "%00", "\\", "{{title}}", "${jndi:ldap://x}", ";;;,,,===", "\x7f", "\x01\x02",
    ];

    private static readonly string[] ValidAccepts =
    [
        "text/html", "application/json", "text/plain", "application/problem+json", "application/xhtml+xml",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/vnd.api+json",
    ];

    private readonly Random _random = new(seed);

    public int Seed { get; } = seed;

    public static int SeedFromEnvironment()
        => int.TryParse(Environment.GetEnvironmentVariable("GATEWAYERRORS_HARDENING_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : DefaultSeed;

    public HostileRequest Next()
    {
        var headers = new List<KeyValuePair<string, string>>();
        var (accept, kind) = NextAccept();
        if (accept is not null)
        {
            headers.Add(new("Accept", accept));
        }

        foreach (var name in (string[])["Accept-Language", "User-Agent", "Referer", "X-Forwarded-Host", "traceparent", "Cookie", "X-Requested-With", "Origin", "Forwarded"])
        {
            if (_random.Next(3) != 0)
            {
                headers.Add(new(name, name == "traceparent" ? NextTraceparent() : NextHeaderValue()));
            }
        }

        var method = Pick(["GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD", "PURGE", "GET'", "M-SEARCH"]);
        return new HostileRequest(method, NextPath() + NextQuery(), headers, kind);
    }

    private (string? Accept, ResponseBodyKind? Kind) NextAccept()
    {
        switch (_random.Next(6))
        {
            case 0:
                return (null, ResponseBodyKind.PlainText);
            case 1:
                var valid = Pick(ValidAccepts);
                return (valid, valid switch
                {
                    "text/plain" => ResponseBodyKind.PlainText,
                    _ when valid.Contains("html", StringComparison.Ordinal) => ResponseBodyKind.Html,
                    _ => ResponseBodyKind.ProblemJson,
                });
            case 2:
                // Many ranges with many q-values; the best HTML or JSON one wins, so only the body's own validity is checked.
                var ranges = Enumerable.Range(0, _random.Next(1, 400)).Select(_ => $"{Pick(["text", "application", "*", "image"])}/{Pick(["html", "json", "plain", "*", "x+json", "png"])};q={_random.NextDouble().ToString("0.###", CultureInfo.InvariantCulture)}");
                return (string.Join(", ", ranges), null);
            case 3:
                // Huge: one valid range padded past 16 KB of parameters.
                return ($"text/html;{string.Join(";", Enumerable.Range(0, 1200).Select(i => $"p{i}=v{i}"))}", null);
            case 4:
                return (Pick(["text/html;q=abc", "text/", "/json", ";;;", "*/*;q=2", "text/html;q=-1", "application/json;q=1.0000001", "\"text/html\"", "text/html, ,,", "\u00e9/\u00e9"]) + NextHeaderValue(), null);
            default:
                return (NextHeaderValue(), null);
        }
    }

    private string NextPath()
    {
        var path = new StringBuilder();
        var segments = _random.Next(1, 6);
        for (var i = 0; i < segments; i++)
        {
            path.Append('/');
            switch (_random.Next(5))
            {
                case 0:
                    path.Append(new string('a', _random.Next(200, 3000)));
                    break;
                case 1:
                    path.Append(Uri.EscapeDataString(Pick(PathPieces)));
                    break;
                default:
                    // A raw %00 never reaches an app: Kestrel answers 400 and the test server refuses it (Kestrel tests cover it).
                    path.Append(Pick(PathPieces).Replace("%00", "%01", StringComparison.Ordinal));
                    break;
            }
        }

        // The fixture's /proxy endpoint forwards the rest of the path as a relative URI: a first segment such as
        // "javascript:x" would make it an absolute URI the app refuses (NotSupportedException, rightly not a 502).
        return "/proxy/h" + path;
    }

    private string NextQuery()
    {
        if (_random.Next(2) == 0)
        {
            return string.Empty;
        }

        return "?" + string.Join("&", Enumerable.Range(0, _random.Next(1, 5)).Select(_ => $"{Pick(["q", "redirect", "<x>", "%FF"])}={Pick(PathPieces)}"));
    }

    private string NextHeaderValue()
    {
        switch (_random.Next(5))
        {
            case 0:
                // Huge: at least 16 KB.
                return string.Concat(Enumerable.Repeat(Pick(HeaderPieces), 1 + (16 * 1024 / 4))).PadRight(16 * 1024, 'x');
            case 1:
                return new string(Enumerable.Range(0, _random.Next(1, 64)).Select(_ => (char)_random.Next(0x20, 0x7f)).ToArray());
            default:
                return string.Concat(Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Pick(HeaderPieces)));
        }
    }

    private string NextTraceparent() => _random.Next(4) switch
    {
        0 => $"00-{RandomHex(32)}-{RandomHex(16)}-01",
        1 => $"00-{Marker}<script>-{RandomHex(16)}-01",
        2 => "00-" + new string('f', 20_000) + "-00f067aa0ba902b7-01",
        _ => Pick(["00-00000000000000000000000000000000-0000000000000000-01", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "garbage", "00--", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"]),
    };

    private string RandomHex(int length)
    {
        var bytes = new byte[length / 2];
        _random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];
}
