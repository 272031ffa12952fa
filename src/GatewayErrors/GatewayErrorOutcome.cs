namespace GatewayErrors;

/// <summary>How GatewayErrors answered a request whose upstream failed (<see cref="IGatewayErrorFeature.Outcome"/>).</summary>
public enum GatewayErrorOutcome
{
    /// <summary>A gateway error response (502, 503, 504 or the configured status) with <c>Proxy-Status</c> and a body.</summary>
    ErrorResponse,

    /// <summary>The last good response kept by <c>WithStaleIfError()</c>, served instead of an error: the outage is hidden, not fixed.</summary>
    StaleCopy,

    /// <summary>The response had already started when the upstream failed, so the connection (or HTTP/2 stream) was aborted.</summary>
    Aborted,
}
