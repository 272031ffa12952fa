using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace GatewayErrors;

/// <summary>
/// The request feature of a request to an opted-in endpoint whose response may be kept or served from a copy: its
/// key, its capture, and whether the failure hook already answered it.
/// </summary>
internal sealed class StaleRequest(StaleIfErrorMetadata route, string baseKey)
{
    public StaleIfErrorMetadata Route { get; } = route;

    /// <summary>The key of the URL (scheme, host, path, query); copies that vary are under variant keys below it.</summary>
    public string BaseKey { get; } = baseKey;

    /// <summary>The variant key the capture refreshes, when capturing.</summary>
    public string? CaptureKey { get; private set; }

    public ResponseCapture? Capture { get; private set; }

    /// <summary>True once a failure of this request was answered, from a copy or with the error page.</summary>
    public bool Answered { get; set; }

    public void StartCapture(HttpContext context, string key, long limit)
    {
        var inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        Capture = new ResponseCapture(inner, limit);
        CaptureKey = key;
        context.Features.Set<IHttpResponseBodyFeature>(Capture);
    }

    /// <summary>Puts the original body feature back: before a copy or an error page is written, and when the capture ends.</summary>
    public void StopCapture(HttpContext context)
    {
        if (Capture is { } capture)
        {
            Capture = null;
            context.Features.Set(capture.Inner);
            capture.Release();
        }
    }
}
