using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Polly;

namespace DocSnippets;

/// <summary>docs/faq.md.</summary>
internal static class FaqSnippets
{
    // docs/faq.md, "With ProblemDetails".
    public static void ProblemDetails(WebApplicationBuilder builder)
    {
        #region snippet: faq-problem-details
        builder.Services.AddProblemDetails(options =>
            options.CustomizeProblemDetails = context =>
                context.ProblemDetails.Extensions["region"] = "eu-west-1");   // on gateway errors too
        builder.Services.AddGatewayErrors();
        #endregion
    }

    // docs/faq.md, "Minimal APIs and MVC": where UseGatewayErrors() goes.
    public static void PipelineOrder(WebApplicationBuilder builder)
    {
        #region snippet: faq-pipeline-order
        var app = builder.Build();
        app.UseExceptionHandler();     // everything that is not an upstream failure
        app.UseRouting();              // only if you call it explicitly; either side of UseGatewayErrors() works
        app.UseGatewayErrors();        // upstream failures: 502, 503, 504

        var catalog = app.MapGroup("/catalog").WithGatewayUpstreams("catalog");
        catalog.MapGet("/products", (IHttpClientFactory http) => http.CreateClient("catalog").GetStringAsync("products"));
        app.MapControllers().WithGatewayUpstreams("catalog");   // every controller action
        #endregion
    }

    // docs/faq.md, "What happens to an upstream 404?".
    public static void Upstream404(WebApplication app)
    {
        #region snippet: faq-upstream-404
        app.MapGet("/products/{id}", async (string id, IHttpClientFactory http) =>
        {
            using var response = await http.CreateClient("catalog").GetAsync($"products/{Uri.EscapeDataString(id)}");
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return Results.NotFound();        // the upstream's answer, passed on
            }

            response.EnsureSuccessStatusCode();   // a 5xx: a gateway error (502, or 503); another 4xx: this app's 500
            return Results.Text(await response.Content.ReadAsStringAsync(), "application/json");
        });
        #endregion
    }
}

// docs/faq.md, "Minimal APIs and MVC": an MVC exception filter that leaves upstream failures to UseGatewayErrors().
#region snippet: faq-exception-filter
public sealed class ApiExceptionFilter : IExceptionFilter
{
    public void OnException(ExceptionContext context)
    {
        // Upstream failures (and Polly's verdicts, and timeouts) are answered by UseGatewayErrors().
        if (context.Exception is HttpRequestException or OperationCanceledException or ExecutionRejectedException)
        {
            return;
        }

        context.Result = new ObjectResult(new ProblemDetails { Title = "Something went wrong", Status = 500 }) { StatusCode = 500 };
        context.ExceptionHandled = true;
    }
}
#endregion
