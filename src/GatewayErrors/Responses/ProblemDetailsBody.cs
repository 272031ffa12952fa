using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Mvc;

namespace GatewayErrors;

/// <summary>The RFC 9457 <c>application/problem+json</c> body, for API clients.</summary>
internal static class ProblemDetailsBody
{
    public const string ContentType = "application/problem+json; charset=utf-8";

    /// <summary>
    /// How the body is written: compact, and readable in every language. The default encoder escapes everything outside
    /// Basic Latin (a Japanese title arrives as <c>\u4E0A\u6D41…</c>); this one lets letters of every script through and
    /// still escapes what could do harm if the JSON is ever pasted into a page or a terminal: HTML-sensitive characters
    /// (<c>&lt; &gt; &amp; ' " +</c>), control characters, and invisible format characters such as the bidirectional
    /// overrides (U+202E) that can make a hostile path or upstream name read differently from what it is.
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Indented = false,
        Encoder = ReadableEncoder(),
    };

    private static JavaScriptEncoder ReadableEncoder()
    {
        var settings = new TextEncoderSettings(UnicodeRanges.All);

        // Letters of every script pass; these do not: they are invisible, and reorder, join or hide the text around them
        // (soft hyphen, Arabic letter mark, zero-width and directional marks, embeddings, overrides and isolates, word
        // joiner and invisible operators, byte order mark). The encoder escapes control characters and HTML-sensitive
        // ones whatever the settings say.
        settings.ForbidCharacters('­', '؜', '᠎', '﻿');
        settings.ForbidRange(new UnicodeRange(0x200B, 0x200F - 0x200B + 1));
        settings.ForbidRange(new UnicodeRange(0x2028, 0x202E - 0x2028 + 1));
        settings.ForbidRange(new UnicodeRange(0x2060, 0x206F - 0x2060 + 1));
        return JavaScriptEncoder.Create(settings);
    }

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
