namespace GatewayErrors.Tests.Upstreams;

/// <summary>How a <see cref="MisbehavingUpstream"/> treats each connection.</summary>
internal enum MisbehaviorMode
{
    /// <summary>Accept, then close with linger 0 (RST) without reading the request.</summary>
    ResetOnConnect,

    /// <summary>Read the request head, then close with linger 0 (RST).</summary>
    ResetAfterRequest,

    /// <summary>Read the request head, then close gracefully (FIN) without sending a byte.</summary>
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
