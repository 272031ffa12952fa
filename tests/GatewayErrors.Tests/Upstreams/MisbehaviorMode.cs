namespace GatewayErrors.Tests.Upstreams;

/// <summary>How a <see cref="MisbehavingUpstream"/> treats each connection (public so xunit theories can take it).</summary>
public enum MisbehaviorMode
{
    /// <summary>Accept, then close with linger 0 (RST) without reading the request.</summary>
    /// <remarks>
    /// The client-side shape is racy (it depends on when the RST lands): HRE <c>Unknown</c> over an
    /// IOException, HRE <c>ConnectionError</c>, or rarely a bare <c>SocketException(NotConnected)</c>.
    /// Use <see cref="ResetAfterRequest"/> when a test needs one exact shape.
    /// </remarks>
    ResetOnConnect,

    /// <summary>Read the request head, then close with linger 0 (RST).</summary>
    ResetAfterRequest,

    /// <summary>Read the request head, then close gracefully (FIN) without sending a byte.</summary>
    /// <remarks>SocketsHttpHandler retries a GET (not a POST with content) 3 more times on this, so one
    /// GET shows as 4 connections.</remarks>
    CloseAfterRequest,

    /// <summary>Read the request head, answer with an SSH banner and random binary, then close.</summary>
    Garbage,

    /// <summary>Read the request head and never answer until the upstream is disposed.</summary>
    StallBeforeHeaders,

    /// <summary>A 200 with <c>Content-Length: 1000</c> and only 100 bytes of body, then a graceful close.</summary>
    TruncatedBody,

    /// <summary>A 200 with <c>Content-Length: 1000</c> and only 100 bytes of body, then silence until disposed.</summary>
    StallMidBody,

    /// <summary>A valid status line and one header of about 100 KB (over the 64 KiB default limit), then a small body.</summary>
    HugeHeader,

    /// <summary>A valid 5xx (503 with <c>Retry-After: 7</c> by default; the status is a parameter) and a small body.</summary>
    ServerError,

    /// <summary>A valid 200 with a small body.</summary>
    Ok,
}
