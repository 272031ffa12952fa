namespace GatewayErrors.Tests.Upstreams;

/// <summary>How a <see cref="TlsFailureUpstream"/> answers the client's TLS ClientHello.</summary>
public enum TlsFailureMode
{
    /// <summary>A fatal TLS <c>handshake_failure</c> (40) alert record: the server refuses the handshake.</summary>
    HandshakeFailureAlert,

    /// <summary>A plain-text HTTP 400, as when https:// is pointed at a plain HTTP port.</summary>
    PlainHttpReply,

    /// <summary>A graceful close (FIN) without a byte, as a TLS terminator that drops the client.</summary>
    CloseAfterClientHello,

    /// <summary>Silence after the ClientHello until the upstream is disposed: the handshake never finishes.</summary>
    StallAfterClientHello,
}
