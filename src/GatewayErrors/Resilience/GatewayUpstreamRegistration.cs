namespace GatewayErrors;

/// <summary>
/// Records that the named client <see cref="ClientName"/> calls <see cref="Upstream"/> through <c>AddGatewayErrorsHandler()</c>,
/// so that health checks know the upstream before any call, and circuits of the client's resilience pipelines
/// (named <c>&lt;client&gt;-&lt;pipeline&gt;</c> by Microsoft.Extensions.Http.Resilience) are reported under the upstream.
/// </summary>
internal sealed record GatewayUpstreamRegistration(string ClientName, string Upstream);
