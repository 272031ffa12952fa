namespace GatewayErrors;

/// <summary>Looks up an upstream's settings, falling back to the defaults when it has no entry.</summary>
internal static class UpstreamSettings
{
    private static readonly GatewayUpstreamOptions Defaults = new();

    public static GatewayUpstreamOptions For(GatewayErrorsOptions options, string? upstream)
        => upstream is not null && options.Upstreams.TryGetValue(upstream, out var settings) && settings is not null
            ? settings
            : Defaults;

    public static string DisplayName(GatewayErrorsOptions options, string? upstream)
        => For(options, upstream).DisplayName ?? upstream ?? "the upstream service";
}
