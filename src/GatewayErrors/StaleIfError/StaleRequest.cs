using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace GatewayErrors;

/// <summary>
/// The stale-copy state of one request to an opted-in endpoint that may be kept or answered from a copy: its key, the
/// hold-down that answers it without the upstream, and its capture.
/// </summary>
internal sealed class StaleRequest(StaleIfErrorMetadata route, string baseKey)
{
    public StaleIfErrorMetadata Route { get; } = route;

    /// <summary>The key of the URL (scheme, host, path, query); copies that vary are under variant keys below it.</summary>
    public string BaseKey { get; } = baseKey;

    /// <summary>The failure whose hold-down answers this request without calling the upstream, if any.</summary>
    public UpstreamFailure? HeldDownBy { get; init; }

    /// <summary>The variant key the capture refreshes, when capturing.</summary>
    public string? CaptureKey { get; private set; }

    public ResponseCapture? Capture { get; private set; }

    /// <summary>Whether the exchange has been finished (kept or not): the gate finishes a normal one, the middleware the rest.</summary>
    public bool Finished { get; set; }

    public void StartCapture(HttpContext context, string key, long limit)
    {
        var inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        Capture = new ResponseCapture(inner, context.Response, limit);
        CaptureKey = key;
        context.Features.Set<IHttpResponseBodyFeature>(Capture);
    }

    /// <summary>Puts the original body feature back and hands over the capture, once: whoever takes it releases it.</summary>
    public ResponseCapture? StopCapture(HttpContext context)
    {
        if (Capture is not { } capture)
        {
            return null;
        }

        Capture = null;
        context.Features.Set(capture.Inner);
        return capture;
    }
}
