using AngleSharp.Dom;
using AngleSharp.Html.Dom;

namespace GatewayErrors.Tests.Rendering;

/// <summary>
/// Script, attribute and URL payloads in the path, the query and the headers must never come back live: not in any
/// built-in theme, and not in a custom template that writes every variable, as it is and through string functions.
/// </summary>
public class HostileInputTests
{
    private const string Marker = "gwinjected";

    private static readonly string[] Payloads =
    [
        $"<script>alert('{Marker}')</script>",
        $"\"><img src=x onerror=alert(1) class={Marker}>",
        $"' onmouseover='alert(1)' data-{Marker}='1",
        $"javascript:alert('{Marker}')",
        $"</title><svg onload=alert(1) id={Marker}>",
        $"{{{{7*7}}}}<iframe src=\"javascript:alert(1)\" name={Marker}></iframe>",
    ];

    // Every variable of the model, in text and in quoted attributes (URL attributes too), as it is, through string
    // functions, concatenation and html.escape: output encoding must hold whatever the template does.
    private const string EveryVariable = """
        <!DOCTYPE html><html lang="{{ lang }}" dir="{{ dir }}"><head><title>{{ title }}</title></head><body>
        <main data-path="{{ path }}" title="{{ upstream }}">
        <a href="{{ path }}">{{ path | string.upcase }}</a> <a href="/x?ref={{ trace_id }}">{{ trace_id | html.escape }}</a>
        {{ method }} {{ status_code }} {{ reason_phrase }} {{ summary }} {{ cause }} {{ where }} {{ error_type }} {{ upstream | string.downcase }}
        {{ site_name + "!" }} {{ next_hop }} {{ detail | string.replace "a" "b" }} {{ retry_text }} {{ timestamp_utc }} {{ hop_state }} {{ failed_hop }}
        <p title="{{ "u:" + upstream }}">{{ upstream | string.append "x" | html.escape }}</p>
        {{ for hop in hops }}<span class="{{ hop.state }}" title="{{ hop.name }}">{{ hop.name }} {{ hop.state_text }}</span>{{ end }}
        {{ for step in owner_steps }}{{ step }}{{ end }}
        {{ capture captured }}{{ upstream }}{{ end }}<p>{{ captured }}</p>
        </main></body></html>
        """;

    public static TheoryData<string, string> Pages()
    {
        var data = new TheoryData<string, string>();
        foreach (var theme in BuiltInTemplates.ThemeNames)
        {
            data.Add(theme, "Production");
            data.Add(theme, "Development");
        }

        data.Add("custom", "Development");
        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task PayloadsInPathQueryAndHeaders_NeverComeBackLive(string theme, string environment)
    {
        await using var host = await PageHost.StartAsync(
            o =>
            {
                if (theme == "custom")
                {
                    o.Templates["error"] = EveryVariable;
                }
                else
                {
                    o.Theme = theme;
                }

                // The upstream's display name is app configuration, but make it hostile too: it must still be encoded.
                o.Upstreams["catalog"] = new GatewayUpstreamOptions { DisplayName = $"<b id={Marker}>catalog</b>" };
            },
            environment: environment);

        foreach (var payload in Payloads)
        {
            var path = "/" + Uri.EscapeDataString(payload) + "/" + payload.Replace("?", "", StringComparison.Ordinal).Replace("#", "", StringComparison.Ordinal);
            var (response, html) = await host.GetAsync($"{path}?type=ConnectionRefused&q={Uri.EscapeDataString(payload)}", request =>
            {
                request.Headers.TryAddWithoutValidation("User-Agent", payload);
                request.Headers.TryAddWithoutValidation("X-Forwarded-Host", payload);
                request.Headers.TryAddWithoutValidation("Referer", "javascript:" + payload);
                request.Headers.TryAddWithoutValidation("Accept-Language", payload);
                request.Headers.TryAddWithoutValidation("traceparent", "00-" + payload + "-00f067aa0ba902b7-01");
            });

            Assert.Equal(502, (int)response.StatusCode);
            AssertNothingLive(PageHost.Parse(html), payload);
        }
    }

    private static void AssertNothingLive(IHtmlDocument document, string payload)
    {
        var because = $"payload {payload}";
        Assert.True(document.QuerySelectorAll("iframe, svg, object, embed, b").Length == 0, because);
        PageHost.AssertOnlyOwnScript(document);
        Assert.True(document.QuerySelectorAll("img").All(static i => i.ParentElement?.ClassName?.Contains("gw-brand", StringComparison.Ordinal) == true), because);
        foreach (var element in document.All)
        {
            Assert.False(element.Id?.Contains(Marker, StringComparison.Ordinal) == true, because);
            Assert.False(element.ClassList.Contains(Marker), because);
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"{because}: {element.TagName} has {attribute.Name}");
                Assert.False(attribute.Name.Contains(Marker, StringComparison.Ordinal), because);
                if (attribute.Name is "href" or "src" or "action" or "formaction")
                {
                    Assert.False(IsScriptUrl(attribute.Value), $"{because}: {element.TagName} {attribute.Name}={attribute.Value}");
                }
            }
        }

        static bool IsScriptUrl(string value)
        {
            var trimmed = new string(value.Where(static c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray());
            return trimmed.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("data:text", StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/orders/42", "/orders/42")]
    [InlineData("/a b/<x>", "/a%20b/%3Cx%3E")]
    [InlineData("/\"'><script>", "/%22%27%3E%3Cscript%3E")]
    [InlineData("/javascript:alert(1)", "/javascript%3Aalert%281%29")]
    public void SafePath_EncodesEverythingOutsideTheUnreservedSet(string path, string expected)
        => Assert.Equal(expected, PageModel.SafePath(path));

    [Theory]
    [InlineData("GET", "GET")]
    [InlineData("PURGE", "PURGE")]
    [InlineData("GET'\"", "")]
    public void SafeMethod_KeepsOnlyLetterMethods(string method, string expected) => Assert.Equal(expected, PageModel.SafeMethod(method));
}
