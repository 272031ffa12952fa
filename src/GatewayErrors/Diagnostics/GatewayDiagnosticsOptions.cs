namespace GatewayErrors;

/// <summary>
/// Diagnostics settings, under <c>GatewayErrors:Diagnostics</c> in configuration. All of them reload when configuration changes.
/// </summary>
public sealed class GatewayDiagnosticsOptions
{
    /// <summary>The default for <see cref="LogSummaryWindow"/>.</summary>
    public static readonly TimeSpan DefaultLogSummaryWindow = TimeSpan.FromSeconds(10);

    /// <summary>The default for <see cref="RecentWindow"/>.</summary>
    public static readonly TimeSpan DefaultRecentWindow = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets how long repeats of a logged failure are counted instead of logged. The first failure of an
    /// upstream and error type is logged in full; repeats within the window are summarised in one entry when it ends.
    /// </summary>
    /// <value>Defaults to 10 seconds. <see cref="TimeSpan.Zero"/> logs every failure in full. Must be at most 1 hour.</value>
    public TimeSpan LogSummaryWindow { get; set; } = DefaultLogSummaryWindow;

    /// <summary>
    /// Gets or sets what counts as recent: the diagnostics endpoint shows failures in this window, and the health
    /// checks compare them with <see cref="DegradedFailureThreshold"/>.
    /// </summary>
    /// <value>Defaults to 1 minute. Must be between 1 second and 1 day.</value>
    public TimeSpan RecentWindow { get; set; } = DefaultRecentWindow;

    /// <summary>
    /// Gets or sets how many failures of an upstream within <see cref="RecentWindow"/> make its health check report Degraded
    /// while its circuit is closed.
    /// </summary>
    /// <value>Defaults to 5. Must be at least 1.</value>
    public int DegradedFailureThreshold { get; set; } = 5;

    /// <summary>
    /// Gets or sets whether the endpoints mapped by <c>MapGatewayErrorsDiagnostics()</c> and
    /// <c>MapGatewayErrorsPreview()</c> answer. The first shows upstream names, exception messages and circuit states,
    /// which help attackers as much as operators; the second shows every error page and which template answers it.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="null"/>: it answers only when the host environment is Development, and 404 elsewhere.
    /// Set <see langword="true"/> to allow it everywhere (protect it, for example with <c>RequireAuthorization()</c>),
    /// <see langword="false"/> to turn it off everywhere.
    /// </value>
    public bool? EnableEndpoint { get; set; }
}
