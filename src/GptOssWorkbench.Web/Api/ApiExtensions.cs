namespace GptOssWorkbench.Web.Api;

using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Accounts;

public static class ApiExtensions
{
    public static void AddWorkbenchApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section);
        builder.Services.AddSingleton<ChatCompletions>();
        builder.Services.AddSingleton<Completions>();
    }

    private static void RunStarters(Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder policy) =>
        policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole(UserRoles.Reviewer, UserRoles.Admin);

    /// <summary>/v1: API keys only (no cookies, so no cross-site requests), rate limited per key.</summary>
    public static void MapWorkbenchApi(this WebApplication app)
    {
        var v1 = app.MapGroup("/v1")
            .RequireRateLimiting(AccountsExtensions.ApiRateLimitPolicy)
            .DisableAntiforgery();
        v1.MapGet("/models", ModelsEndpoint.ListAsync)
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser().RequireRole(UserRoles.Viewer, UserRoles.Reviewer, UserRoles.Admin));
        // Both generate runs: reviewers and admins only, like starting a chat.
        v1.MapPost("/chat/completions", (HttpContext context, ChatCompletions completions, ReasoningVisibilityPolicy reasoning) => completions.HandleAsync(context, reasoning))
            .RequireAuthorization(RunStarters);
        v1.MapPost("/completions", (HttpContext context, Completions completions, ReasoningVisibilityPolicy reasoning) => completions.HandleAsync(context, reasoning))
            .RequireAuthorization(RunStarters);
        // Unknown /v1 paths answer like OpenAI does, not with the sign-in redirect of the web pages.
        v1.MapFallback((HttpContext context) => OpenAiErrors.Result(404, $"Unknown API path {context.Request.Path}.", "invalid_request_error"))
            .AllowAnonymous();
    }
}
