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
/// The texts are plain English, safe to show anyone. The token, the name and the problem type never change with the
/// language: they are what machines and logs read. Responses, logs, metrics, the pages, the diagnostics endpoint and
/// docs/troubleshooting.md all read a type's facts from its row.
/// </remarks>
internal sealed class ErrorTypeInfo
{
    /// <summary>Gets the error type this row describes.</summary>
    public required GatewayErrorType Type { get; init; }

    /// <summary>Gets the RFC 9209 token written as <c>error=</c>, or <see langword="null"/> when RFC 9209 has none.</summary>
    public required string? Token { get; init; }

    /// <summary>Gets the status RFC 9209 section 2.3 recommends for the type (before <c>GatewayErrors:StatusCodes</c> overrides).</summary>
    public required int RecommendedStatus { get; init; }

    /// <summary>Gets a short human title.</summary>
    public required string Title { get; init; }

    /// <summary>Gets one plain sentence saying what happened.</summary>
    public required string Summary { get; init; }

    /// <summary>Gets which hop failed.</summary>
    public required FailedHop Hop { get; init; }

    /// <summary>Gets a two- or three-word label for the failed hop, shown in the hop diagram ("Timed out").</summary>
    public required string HopState { get; init; }

    /// <summary>Gets one plain sentence on why this usually happens.</summary>
    public required string Cause { get; init; }

    /// <summary>Gets what a visitor can do, in order; the first item says when to retry.</summary>
    public required IReadOnlyList<string> VisitorAdvice { get; init; }

    /// <summary>Gets the first things the site owner should check, in order; the first is the log entry's <c>CheckFirst</c>.</summary>
    public required IReadOnlyList<string> OwnerAdvice { get; init; }

    /// <summary>Gets the name used in logs, metrics and problem details: RFC 9209's token, or a stable name of ours.</summary>
    public string Name => field ??= Token ?? "upstream_server_error";

    /// <summary>Gets the RFC section that defines the type; used as the problem details <c>type</c>.</summary>
    public string ProblemTypeUri => field ??= Token is null
        ? "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.3"
        : "https://www.rfc-editor.org/rfc/rfc9209#name-" + Token.Replace('_', '-');

    /// <summary>
    /// Gets the owner advice HTML-encoded, built on first use and then kept with the row. It stays English in every language,
    /// as the log entries that carry its first step do; the visitor-facing texts are localized (Localization/PageTexts.cs,
    /// keyed by <see cref="Name"/>).
    /// </summary>
    internal IReadOnlyList<string> EncodedOwnerAdvice => field ??= OwnerAdvice.Select(ErrorPageModel.Encode).ToArray();
}
