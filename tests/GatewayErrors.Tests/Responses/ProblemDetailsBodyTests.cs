using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GatewayErrors.Tests.TestSupport;
using GatewayErrors.Tests.Upstreams;

namespace GatewayErrors.Tests.Responses;

public sealed class ProblemDetailsBodyTests
{
    [Fact]
    public async Task TranslatedProblemJson_IsReadable_AndStillEscapesWhatCouldHarm()
    {
        await using var refused = await RefusedPort.StartAsync();
        await using var app = await GatewayTestApp.StartAsync(refused.BaseAddress, s => s.Environment = "Development");

        // A hostile path: markup, a right-to-left override that would make the rest read backwards, a BOM-like zero-width
        // character, and letters of two scripts.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/proxy/%3Cscript%3E%E2%80%AEtxt.exe%EF%BB%BF%E4%B8%8A%D8%B9");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.TryAddWithoutValidation("Accept-Language", "ja");
        using var response = await app.Client.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("ja", Assert.Single(response.Content.Headers.ContentLanguage));

        // Readable: the Japanese title and summary are written as they are, not as \uXXXX.
        Assert.Contains("\"title\":\"背後のサービスが接続を拒否しました\"", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u80CC", raw, StringComparison.OrdinalIgnoreCase);

        // Still escaped: what could turn into markup, or hide or reorder text, in a page or a terminal that shows it.
        Assert.DoesNotContain('<', raw);
        Assert.DoesNotContain('>', raw);
        Assert.DoesNotContain('\u202E', raw);
        Assert.DoesNotContain('\uFEFF', raw);
        Assert.Contains("\\u003C", raw, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\\u202E", raw, StringComparison.OrdinalIgnoreCase);

        // And it is the same JSON: the values come back exactly.
        using var json = JsonDocument.Parse(raw);
        Assert.Equal("/proxy/<script>\u202Etxt.exe\uFEFF上ع", json.RootElement.GetProperty("instance").GetString());
    }
}
