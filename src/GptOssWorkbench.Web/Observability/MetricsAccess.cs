namespace GptOssWorkbench.Web.Observability;

using System.Security.Cryptography;
using System.Text;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

/// <summary>
/// Who may read /metrics: a Prometheus server with the configured scrape token, or an admin's API key. Anyone else
/// gets 401 (no or unknown credentials) or 403 (a valid key of a viewer or reviewer). The numbers say how busy the
/// deployment is and which workers and models exist, so they are not public.
/// </summary>
public static class MetricsAccess
{
    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<ObservabilityOptions>>().Value;
        string? header = context.Request.Headers.Authorization;
        var bearer = header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        if (bearer is not null && IsScrapeToken(bearer, options.MetricsToken))
        {
            await next();
            return;
        }
        var result = bearer is null ? AuthenticateResult.NoResult() : await context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
        if (!result.Succeeded)
        {
            await Refuse(context, StatusCodes.Status401Unauthorized, bearer is null
                ? "Send the scrape token (Observability:MetricsToken) or an admin's API key as 'Authorization: Bearer <token>'."
                : "Unknown scrape token or API key.");
            return;
        }
        if (!result.Principal.IsInRole(UserRoles.Admin))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, "Metrics are for admins' API keys and the scrape token.");
            return;
        }
        await next();
    }

    /// <summary>Constant-time comparison of hashes, so neither the token's content nor its length leaks through timing.</summary>
    private static bool IsScrapeToken(string presented, string? configured) =>
        !string.IsNullOrEmpty(configured)
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(configured)));

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
        return context.Response.WriteAsync(message + "\n");
    }
}
