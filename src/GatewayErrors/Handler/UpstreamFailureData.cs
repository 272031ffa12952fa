namespace GatewayErrors;

/// <summary>
/// Carries an <see cref="UpstreamFailure"/> on a cancellation exception without changing its type.
/// </summary>
/// <remarks>
/// Inside a handler, <see cref="HttpClient.Timeout"/> and the caller's own cancellation arrive as the same cancelled
/// token. Rethrowing the original exception keeps <c>catch (TaskCanceledException)</c> code working; the note in
/// <see cref="Exception.Data"/> lets the middleware, which can see <c>HttpContext.RequestAborted</c>, decide.
/// Only failures pay for it: <see cref="Exception.Data"/> is created on first use.
/// </remarks>
internal static class UpstreamFailureData
{
    private const string Key = "GatewayErrors.UpstreamFailure";

    public static void Attach(Exception exception, UpstreamFailure failure)
    {
        if (!exception.Data.IsReadOnly)
        {
            exception.Data[Key] = failure;
        }
    }

    public static UpstreamFailure? Find(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current.Data.Count > 0 && current.Data[Key] is UpstreamFailure failure)
            {
                return failure;
            }
        }

        return null;
    }
}
