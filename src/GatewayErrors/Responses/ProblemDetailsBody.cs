using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace GatewayErrors;

/// <summary>The RFC 9457 <c>application/problem+json</c> body, for API clients.</summary>
internal static class ProblemDetailsBody
{
    public const string ContentType = "application/problem+json; charset=utf-8";

    public static ProblemDetails Create(ErrorResponse error)
    {
        // Title and detail follow the visitor's language; type, errorType and the rest are for machines and never do.
        var texts = error.Texts?.For(error.Type.Type);
        var problem = new ProblemDetails
        {
            Type = error.Type.ProblemTypeUri,
            Title = texts?.Title ?? error.Type.EnglishTitle,
            Status = error.StatusCode,
            Detail = error.Detail ?? texts?.Summary ?? error.Type.EnglishSummary,
            Instance = error.Path,
        };
        problem.Extensions["traceId"] = error.TraceId;
        problem.Extensions["errorType"] = error.Type.Name;
        problem.Extensions["upstream"] = error.UpstreamDisplayName;
        problem.Extensions["timestamp"] = error.Timestamp.UtcDateTime;
        problem.Extensions["retryable"] = RetryRule.IsRetryable(error);
        if (error.RetryAfterSeconds is { } seconds)
        {
            problem.Extensions["retryAfterSeconds"] = seconds;
        }

        if (error.Notice is { } notice)
        {
            problem.Extensions["notice"] = notice.Json;
        }

        if (error.ReceivedStatusCode is { } received)
        {
            problem.Extensions["receivedStatus"] = received;
        }

        if (error.NextHop is not null)
        {
            problem.Extensions["nextHop"] = error.NextHop;
        }

        return problem;
    }

    /// <summary>Writes the body without reflection, so it works when the app trims or has no JSON options of its own.</summary>
    public static void Write(Utf8JsonWriter writer, ProblemDetails problem)
    {
        writer.WriteStartObject();
        writer.WriteString("type", problem.Type);
        writer.WriteString("title", problem.Title);
        if (problem.Status is { } status)
        {
            writer.WriteNumber("status", status);
        }

        writer.WriteString("detail", problem.Detail);
        writer.WriteString("instance", problem.Instance);
        foreach (var (name, value) in problem.Extensions)
        {
            switch (value)
            {
                case string text:
                    writer.WriteString(name, text);
                    break;
                case bool flag:
                    writer.WriteBoolean(name, flag);
                    break;
                case int number:
                    writer.WriteNumber(name, number);
                    break;
                case long number:
                    writer.WriteNumber(name, number);
                    break;
                case DateTime time:
                    writer.WriteString(name, time);
                    break;
                case JsonElement element:
                    writer.WritePropertyName(name);
                    element.WriteTo(writer);
                    break;
                default:
                    writer.WriteString(name, value?.ToString());
                    break;
            }
        }

        writer.WriteEndObject();
    }
}
