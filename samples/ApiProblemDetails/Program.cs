using GatewayErrors;

var builder = WebApplication.CreateBuilder(args);

// One problem+json shape for every error this API returns: its own (404 below) and GatewayErrors' (502/503/504).
// GatewayErrors writes its problem details through IProblemDetailsService when the app registers it, so this
// customization applies to both.
builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
{
    context.ProblemDetails.Extensions["service"] = "orders-api";

    // Set by GatewayErrors on the request it answers: what failed, and the status it chose.
    if (context.HttpContext.Features.Get<IGatewayErrorFeature>() is { } gatewayError)
    {
        // This API's contract: 503 and 504 say "try again later"; a 502 needs someone to fix the upstream.
        context.ProblemDetails.Extensions["retryable"] = gatewayError.StatusCode is 503 or 504;
    }
});

builder.Services.AddGatewayErrors();
builder.Services.AddHttpClient("inventory", client => client.BaseAddress = new Uri(builder.Configuration["InventoryUrl"]!))
    .AddGatewayErrorsHandler();

var app = builder.Build();
app.UseGatewayErrors();

app.MapGet("/orders/{id:int}", async (int id, IHttpClientFactory clients, CancellationToken aborted) =>
{
    if (id <= 0)
    {
        return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such order", detail: $"Order {id} does not exist.");
    }

    // No try/catch: when the inventory service fails, the exception reaches UseGatewayErrors(), which answers it.
    var stock = await clients.CreateClient("inventory").GetFromJsonAsync<Stock>($"stock/{id}", aborted);
    return Results.Ok(new Order(id, stock?.Available ?? 0));
});

app.Run();

internal sealed record Stock(int Available);

internal sealed record Order(int Id, int Available);
