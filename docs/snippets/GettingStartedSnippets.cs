using GatewayErrors;

namespace DocSnippets;

/// <summary>docs/getting-started.md.</summary>
internal static class GettingStartedSnippets
{
    // docs/getting-started.md, step 1.
    public static void Register(WebApplicationBuilder builder)
    {
        #region snippet: getting-started-register
        builder.Services.AddGatewayErrors();
        builder.Services.AddHttpClient("catalog", c => c.BaseAddress = new Uri("http://catalog:8080/"))
            .AddGatewayErrorsHandler();
        #endregion
    }

    // docs/getting-started.md, step 2.
    public static WebApplication Use(WebApplicationBuilder builder)
    {
        #region snippet: getting-started-use
        var app = builder.Build();
        app.UseGatewayErrors();
        #endregion
        return app;
    }

    // docs/getting-started.md, "Reading what failed".
    public static void ReadFeature(WebApplication app)
    {
        #region snippet: getting-started-feature
        app.Use(async (context, next) =>
        {
            await next(context);
            if (context.Features.Get<IGatewayErrorFeature>() is { } error)
            {
                // error.Failure.Upstream, error.Failure.ErrorType, error.StatusCode, error.Failure.Elapsed ...
            }
        });
        #endregion
    }

    // docs/getting-started.md, "Throwing a gateway error on purpose".
    public static void Throw()
    {
        #region snippet: getting-started-throw
        throw new UpstreamFailureException(new UpstreamFailure("catalog", GatewayErrorType.DestinationUnavailable)
        {
            RetryAfter = TimeSpan.FromMinutes(5),
        });
        #endregion
    }
}
