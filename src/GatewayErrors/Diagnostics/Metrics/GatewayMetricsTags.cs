using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace GatewayErrors;

/// <summary>
/// Names a gateway error's class on what ASP.NET Core itself records for the request: the <c>error.type</c> tag of
/// <c>http.server.request.duration</c> and the request's activity, so that the app's own request dashboards, alerts and
/// traces see the failure with the same RFC 9209 token as GatewayErrors' metrics and logs.
/// </summary>
/// <remarks>
/// Since .NET 10, ASP.NET Core no longer records <c>error.type</c> on its request metric when an exception is handled
/// (aspnet/Announcements #524): a handled 502 would count as a plain 502, and a gRPC answer (HTTP 200) as a success.
/// </remarks>
internal static class GatewayMetricsTags
{
    /// <summary>OpenTelemetry's name for the class of an error, on spans and duration metrics.</summary>
    public const string ErrorType = "error.type";

    /// <summary>Tags the request's metric and activity with <paramref name="errorType"/> and marks the activity as failed.</summary>
    public static void Tag(HttpContext context, string errorType)
    {
        // Present only while someone listens to the request metric; the hosting layer adds these tags when the request ends.
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            Replace(metrics.Tags, errorType);
        }

        // The request's own activity, even when app code left another one current.
        if ((context.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current) is { } activity)
        {
            activity.SetStatus(ActivityStatusCode.Error, errorType);
            activity.SetTag(ErrorType, errorType);
        }
    }

    /// <summary>One <c>error.type</c> per request, the last failure's: a metric tag listed twice is ambiguous.</summary>
    private static void Replace(ICollection<KeyValuePair<string, object?>> tags, string errorType)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == ErrorType)
            {
                tags.Remove(tag);
                break;
            }
        }

        tags.Add(new(ErrorType, errorType));
    }
}
