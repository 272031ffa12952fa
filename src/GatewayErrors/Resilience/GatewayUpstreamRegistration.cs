namespace GatewayErrors;

/// <summary>Records that a client uses an upstream's pipeline, so that health checks know the name before any call.</summary>
internal sealed record GatewayUpstreamRegistration(string Upstream);
