namespace GatewayErrors;

/// <summary>What the middleware chose to do about a request whose upstream call did not end well.</summary>
internal enum AnswerKind
{
    /// <summary>A gateway error response: status, <c>Proxy-Status</c> and a negotiated body.</summary>
    ErrorResponse,

    /// <summary>The endpoint's kept copy, in place of the error.</summary>
    StaleCopy,

    /// <summary>The response had started: abort the connection so the client sees a failure, not a short success.</summary>
    Aborted,

    /// <summary>The client went away: nothing to write, and not the upstream's failure.</summary>
    ClientAborted,

    /// <summary>The client sent a broken request body while it was being streamed upstream: its error, not the upstream's.</summary>
    ClientError,
}

/// <summary>
/// The one decision the middleware takes per failed request, which it then reports once and writes: the kind of
/// answer, the upstream failure behind it and the status the client sees.
/// </summary>
internal readonly struct Answer
{
    private Answer(AnswerKind kind, UpstreamFailure? failure, string? upstream, int statusCode, StaleCopy? copy)
    {
        Kind = kind;
        Failure = failure;
        Upstream = upstream;
        StatusCode = statusCode;
        Copy = copy;
    }

    public AnswerKind Kind { get; }

    /// <summary>The upstream's failure; null for the answers the client caused.</summary>
    public UpstreamFailure? Failure { get; }

    /// <summary>The upstream that was being called, when known.</summary>
    public string? Upstream { get; }

    /// <summary>The status the client sees (or would have seen).</summary>
    public int StatusCode { get; }

    /// <summary>The copy served, for <see cref="AnswerKind.StaleCopy"/>.</summary>
    public StaleCopy? Copy { get; }

    /// <summary>The outcome named in the request feature, the metrics and the trace; null for the client's answers.</summary>
    public GatewayErrorOutcome? Outcome => Kind switch
    {
        AnswerKind.ErrorResponse => GatewayErrorOutcome.ErrorResponse,
        AnswerKind.StaleCopy => GatewayErrorOutcome.StaleCopy,
        AnswerKind.Aborted => GatewayErrorOutcome.Aborted,
        _ => null,
    };

    public static Answer Error(UpstreamFailure failure, int statusCode) => new(AnswerKind.ErrorResponse, failure, failure.Upstream, statusCode, null);

    public static Answer Stale(UpstreamFailure failure, StaleCopy copy) => new(AnswerKind.StaleCopy, failure, failure.Upstream, copy.StatusCode, copy);

    public static Answer Abort(UpstreamFailure failure, int startedStatus) => new(AnswerKind.Aborted, failure, failure.Upstream, startedStatus, null);

    public static Answer ClientLeft(string? upstream, int statusCode) => new(AnswerKind.ClientAborted, null, upstream, statusCode, null);

    public static Answer ClientFault(string? upstream, int statusCode) => new(AnswerKind.ClientError, null, upstream, statusCode, null);
}
