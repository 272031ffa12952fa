namespace GatewayErrors;

/// <summary>Which part of the path visitor → this site → upstream failed.</summary>
internal enum FailedHop
{
    /// <summary>The connection from this site to the upstream: name lookup, connect, TLS, or the exchange itself.</summary>
    Connection,

    /// <summary>This site refused to send the request (a local limit), so the upstream was never asked.</summary>
    Site,

    /// <summary>The upstream itself: known to be unavailable, or it answered with its own server error.</summary>
    Upstream,
}

/// <summary>
/// One row of the <see cref="ErrorTaxonomy"/>: everything GatewayErrors knows about one <see cref="GatewayErrorType"/>.
/// </summary>
/// <remarks>
/// The token, the name and the problem type never change with the language: they are what machines and logs read. The
/// words a visitor reads are resources, named by the row's keys and read in the response's language by Localization (once
/// per language, then kept); the English ones are GatewayErrors' neutral <c>GatewayErrorPages.resx</c>, the one source of
/// them. The row is data: it knows nothing of Localization or Rendering, which read it. Responses, logs, metrics, the pages, the diagnostics endpoint and
/// docs/troubleshooting.md all read a type's facts from its row.
/// </remarks>
internal sealed class ErrorTypeInfo
{
    /// <summary>The resource key of the advice "Wait a minute, then reload the page.", which lets a 502 or 504 page retry by itself.</summary>
    public const string ReloadAdvice = "advice.reload";

    /// <summary>Gets the error type this row describes.</summary>
    public required GatewayErrorType Type { get; init; }

    /// <summary>Gets the RFC 9209 token written as <c>error=</c>, or <see langword="null"/> when RFC 9209 has none.</summary>
    public required string? Token { get; init; }

    /// <summary>Gets the status RFC 9209 section 2.3 recommends for the type (before <c>GatewayErrors:StatusCodes</c> overrides).</summary>
    public required int RecommendedStatus { get; init; }

    /// <summary>Gets which hop failed.</summary>
    public required FailedHop Hop { get; init; }

    /// <summary>Gets the resource keys of what a visitor can do, in order; the first says when to retry.</summary>
    public required IReadOnlyList<string> VisitorAdviceKeys { get; init; }

    /// <summary>Gets the first things the site owner should check, in order; the first is the log entry's <c>CheckFirst</c>.</summary>
    public required IReadOnlyList<string> OwnerAdvice { get; init; }

    /// <summary>Gets the name used in logs, metrics and problem details: RFC 9209's token, or a stable name of ours.</summary>
    public string Name => field ??= Token ?? "upstream_server_error";

    /// <summary>Gets the resource key of the short human title (<c>connection_refused.title</c>).</summary>
    public string TitleKey => field ??= Name + ".title";

    /// <summary>Gets the resource key of the one plain sentence saying what happened.</summary>
    public string SummaryKey => field ??= Name + ".summary";

    /// <summary>Gets the resource key of the two- or three-word label of the failed hop in the hop diagram ("Timed out").</summary>
    public string HopStateKey => field ??= Name + ".hopState";

    /// <summary>Gets the resource key of the one plain sentence on why this usually happens.</summary>
    public string CauseKey => field ??= Name + ".cause";

    /// <summary>Whether the type's advice is to wait a moment and reload: what lets a 502 or 504 page retry by itself.</summary>
    public bool WaitAndReload => VisitorAdviceKeys[0] == ReloadAdvice;

    /// <summary>Gets the RFC section that defines the type; used as the problem details <c>type</c>.</summary>
    public string ProblemTypeUri => field ??= Token is null
        ? "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.3"
        : "https://www.rfc-editor.org/rfc/rfc9209#name-" + Token.Replace('_', '-');
}
