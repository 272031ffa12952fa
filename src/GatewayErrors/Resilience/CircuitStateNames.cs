using Polly.CircuitBreaker;

namespace GatewayErrors;

/// <summary>
/// The one spelling of each circuit state, shared by the diagnostics endpoint, the health checks' data and the
/// <c>gateway.circuit.state</c> metric tag, so that a tool reading one of them can match it against the others.
/// </summary>
/// <remarks>Snake case, as the RFC 9209 error tokens the same outputs carry; never translated.</remarks>
internal static class CircuitStateNames
{
    public const string Closed = "closed";
    public const string Open = "open";
    public const string HalfOpen = "half_open";
    public const string Isolated = "isolated";

    public static string Of(CircuitState state) => state switch
    {
        CircuitState.Open => Open,
        CircuitState.HalfOpen => HalfOpen,
        CircuitState.Isolated => Isolated,
        _ => Closed,
    };
}
