namespace GatewayErrors;

/// <summary>The page set an endpoint's error pages come from (<c>WithGatewayErrorPage</c>).</summary>
/// <param name="PageSet">The page set's name.</param>
internal sealed record GatewayErrorPageMetadata(string PageSet);
