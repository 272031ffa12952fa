using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Lists what this app knows about each upstream (circuit, recent and total failures, the last error and what to
/// check) as HTML for people or JSON for tools. Answers 404 unless <see cref="GatewayDiagnosticsOptions.EnableEndpoint"/>
/// allows it.
/// </summary>
internal static class DiagnosticsEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptionsMonitor<GatewayErrorsOptions>>().CurrentValue;
        var response = context.Response;
        if (!IsEnabled(services, options))
        {
            // 404 rather than 403: outside Development nothing should reveal that the endpoint exists.
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var time = services.GetRequiredService<TimeProvider>();
        var reports = Collect(services, options, time.GetUtcNow());
        response.Headers.CacheControl = "no-store";
        if (WantsJson(context.Request))
        {
            response.ContentType = "application/json; charset=utf-8";
            await using var writer = new Utf8JsonWriter(response.Body, new JsonWriterOptions { Indented = true });
            WriteJson(writer, time.GetUtcNow(), reports);
            await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            response.ContentType = "text/html; charset=utf-8";
            await response.WriteAsync(RenderHtml(time.GetUtcNow(), reports), context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The one switch for GatewayErrors' development endpoints (this one and the error-page preview):
    /// <see cref="GatewayDiagnosticsOptions.EnableEndpoint"/> when set, else on in Development only. Read per request, so
    /// it follows a configuration reload.
    /// </summary>
    internal static bool IsEnabled(IServiceProvider services, GatewayErrorsOptions options)
        => options.Diagnostics.EnableEndpoint ?? services.GetService<IHostEnvironment>()?.IsDevelopment() ?? false;

    internal static List<UpstreamReport> Collect(IServiceProvider services, GatewayErrorsOptions options, DateTimeOffset now)
    {
        var circuits = services.GetRequiredService<UpstreamCircuits>();
        var statistics = services.GetRequiredService<UpstreamFailureStatistics>();
        var names = new SortedSet<string>(options.Upstreams.Keys, StringComparer.OrdinalIgnoreCase);
        names.UnionWith(services.GetServices<GatewayUpstreamRegistration>().Select(static r => r.Upstream));
        names.UnionWith(circuits.Upstreams.Select(static s => s.Name));
        names.UnionWith(statistics.Upstreams);

        var reports = new List<UpstreamReport>(names.Count);
        foreach (var name in names)
        {
            reports.Add(new UpstreamReport(name, UpstreamSettings.DisplayName(options, name), circuits.Get(name).Read(now), statistics.Get(name)));
        }

        return reports;
    }

    private static bool WantsJson(HttpRequest request)
        => string.Equals(request.Query["format"], "json", StringComparison.OrdinalIgnoreCase)
            || request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);

    private static void WriteJson(Utf8JsonWriter writer, DateTimeOffset now, List<UpstreamReport> reports)
    {
        writer.WriteStartObject();
        writer.WriteString("generatedAt", now);
        writer.WriteStartArray("upstreams");
        foreach (var report in reports)
        {
            writer.WriteStartObject();
            writer.WriteString("name", report.Name);
            writer.WriteString("displayName", report.DisplayName);
            var view = report.Circuit;
            writer.WriteStartObject("circuit");
            writer.WriteString("state", CircuitStateNames.Of(view.State));
            if (view.RetryAfter is { } wait)
            {
                writer.WriteNumber("retryAfterSeconds", Math.Ceiling(wait.TotalSeconds));
            }

            if (view.Isolated)
            {
                writer.WriteBoolean("isolated", true);
            }

            writer.WriteStartArray("circuits");
            foreach (var circuit in view.Circuits)
            {
                writer.WriteStartObject();
                writer.WriteString("client", circuit.Client);
                if (circuit.Pipeline is { } pipeline)
                {
                    writer.WriteString("pipeline", pipeline);
                }

                if (circuit.Authority is { } authority)
                {
                    writer.WriteString("authority", authority);
                }

                writer.WriteString("state", CircuitStateNames.Of(circuit.State));
                if (circuit.RetryAfter is { } breakLeft)
                {
                    writer.WriteNumber("retryAfterSeconds", Math.Ceiling(breakLeft.TotalSeconds));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            if (view.Maintenance is { } maintenance)
            {
                writer.WriteStartObject("maintenance");
                if (maintenance.Until is { } until)
                {
                    writer.WriteString("until", until);
                }

                if (maintenance.Message is { } message)
                {
                    writer.WriteString("message", message);
                }

                writer.WriteEndObject();
            }

            writer.WriteStartObject("failures");
            writer.WriteNumber("total", report.Failures?.Total ?? 0);
            writer.WriteNumber("recent", report.Failures?.Recent ?? 0);
            writer.WriteStartObject("byErrorType");
            foreach (var (type, count) in report.Failures?.ByType ?? new Dictionary<GatewayErrorType, long>())
            {
                writer.WriteNumber(ErrorTaxonomy.Get(type).Name, count);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            if (report.Failures?.Last is { } last)
            {
                writer.WriteStartObject("lastError");
                writer.WriteString("errorType", ErrorTaxonomy.Get(last.ErrorType).Name);
                writer.WriteNumber("statusCode", last.StatusCode);
                writer.WriteString("at", last.At);
                writer.WriteString("exceptionType", last.ExceptionType);
                writer.WriteString("message", last.Message);
                writer.WriteEndObject();
            }

            writer.WriteStartArray("troubleshooting");
            foreach (var step in report.Steps)
            {
                writer.WriteStringValue(step);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static string RenderHtml(DateTimeOffset now, List<UpstreamReport> reports)
    {
        var e = HtmlEncoder.Default;
        var html = new StringBuilder(4096).Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex, nofollow">
            <title>Upstream diagnostics</title>
            <style>
            :root{color-scheme:light dark}body{margin:0;font:15px/1.5 system-ui,sans-serif}main{max-width:60rem;margin:0 auto;padding:2rem 1.25rem}
            section{border:1px solid #8884;border-radius:.5rem;padding:0 1rem 1rem;margin:0 0 1rem}table{border-collapse:collapse}td,th{text-align:left;padding:.15rem .75rem .15rem 0}
            .state-open,.state-isolated{color:#b91c1c}.state-half_open{color:#b45309}
            </style>
            </head>
            <body>
            <main>
            <h1>Upstream diagnostics</h1>

            """);
        html.Append("<p>Generated ").Append(now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(" UTC. ")
            .Append(reports.Count == 0 ? "No upstreams are known yet.</p>\n" : "Add <code>?format=json</code> for JSON.</p>\n");
        foreach (var report in reports)
        {
            var view = report.Circuit;
            var state = CircuitStateNames.Of(view.State);
            html.Append("<section>\n<h2>").Append(e.Encode(report.DisplayName)).Append(" <small>(").Append(e.Encode(report.Name)).Append(")</small></h2>\n<table>\n")
                .Append("<tr><th>Circuit</th><td class=\"state-").Append(state).Append("\">").Append(state);
            AppendWait(html, view.RetryAfter);
            html.Append("</td></tr>\n");
            if (view.Isolated)
            {
                html.Append("<tr><th>Isolated</th><td>by the app, until it calls <code>CloseAsync</code></td></tr>\n");
            }

            foreach (var circuit in view.Circuits)
            {
                var circuitState = CircuitStateNames.Of(circuit.State);
                html.Append("<tr><th>").Append(e.Encode(circuit.Pipeline ?? circuit.Client));
                if (circuit.Authority is { } authority)
                {
                    html.Append(" <small>").Append(e.Encode(authority)).Append("</small>");
                }
                else if (circuit.Pipeline is null)
                {
                    html.Append(" <small>no breaker has reported yet</small>");
                }

                html.Append("</th><td class=\"state-").Append(circuitState).Append("\">").Append(circuitState);
                AppendWait(html, circuit.RetryAfter);
                html.Append("</td></tr>\n");
            }

            if (view.Maintenance is { } maintenance)
            {
                html.Append("<tr><th>Maintenance</th><td>");
                html.Append(maintenance.Until is { } until
                    ? "until " + until.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC"
                    : "no end set");
                if (maintenance.Message is { } message)
                {
                    html.Append("<br>").Append(e.Encode(message));
                }

                html.Append("</td></tr>\n");
            }

            html.Append("<tr><th>Failures</th><td>").Append(report.Failures?.Recent ?? 0).Append(" recent, ")
                .Append(report.Failures?.Total ?? 0).Append(" since start</td></tr>\n");
            foreach (var (type, count) in report.Failures?.ByType ?? new Dictionary<GatewayErrorType, long>())
            {
                html.Append("<tr><th>").Append(e.Encode(ErrorTaxonomy.Get(type).Name)).Append("</th><td>").Append(count).Append("</td></tr>\n");
            }

            if (report.Failures?.Last is { } last)
            {
                html.Append("<tr><th>Last error</th><td>").Append(e.Encode(ErrorTaxonomy.Get(last.ErrorType).Name)).Append(" (answered ")
                    .Append(last.StatusCode).Append(") at ").Append(last.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(" UTC");
                if (last.ExceptionType is not null)
                {
                    html.Append("<br>").Append(e.Encode(last.ExceptionType)).Append(": ").Append(e.Encode(last.Message ?? string.Empty));
                }

                html.Append("</td></tr>\n");
            }

            html.Append("</table>\n");
            if (report.Steps.Count > 0)
            {
                html.Append("<h3>What to check</h3>\n<ol>\n");
                foreach (var step in report.Steps)
                {
                    html.Append("<li>").Append(e.Encode(step)).Append("</li>\n");
                }

                html.Append("</ol>\n");
            }

            html.Append("</section>\n");
        }

        return html.Append("</main>\n</body>\n</html>\n").ToString();
    }

    private static void AppendWait(StringBuilder html, TimeSpan? wait)
    {
        if (wait is { } left)
        {
            html.Append(", next trial in ").Append(Math.Ceiling(left.TotalSeconds).ToString(CultureInfo.InvariantCulture)).Append(" s");
        }
    }
}

/// <summary>One upstream's line in the diagnostics report.</summary>
internal sealed record UpstreamReport(string Name, string DisplayName, UpstreamCircuitView Circuit, UpstreamFailureSnapshot? Failures)
{
    /// <summary>Gets what to check: for the last error, or for the refused calls when nothing failed through the middleware yet.</summary>
    public IReadOnlyList<string> Steps => Failures?.Last is { } last
        ? ErrorTaxonomy.Get(last.ErrorType).OwnerAdvice
        : Circuit.Refused ? ErrorTaxonomy.Get(GatewayErrorType.DestinationUnavailable).OwnerAdvice : [];
}
