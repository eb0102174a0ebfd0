namespace GptOssWorkbench.Web.Accounts;

using System.Security.Claims;
using System.Text.Encodings.Web;
using GptOssWorkbench.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

/// <summary>
/// "Authorization: Bearer &lt;key&gt;" for the OpenAI-compatible API. Failures answer in OpenAI's error shape,
/// because that is what API clients parse; the key itself is never logged.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyService keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string KeyIdClaim = "workbench:api_key_id";
    public const string RateLimitClaim = "workbench:api_key_rate_limit";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var key = await keys.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (key is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, key.User.Id),
            new(ClaimTypes.Name, key.User.UserName ?? key.User.Id),
            new(KeyIdClaim, key.KeyId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (key.RateLimitPerMinute is { } limit)
        {
            claims.Add(new Claim(RateLimitClaim, limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        claims.AddRange(RoleClaimsPrincipalFactory.ClaimsFor(key.User));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        string? header = Request.Headers.Authorization;
        var message = string.IsNullOrEmpty(header)
            ? "No API key given. Send it as 'Authorization: Bearer <key>' (create one under Account > API keys)."
            : "Incorrect or revoked API key.";
        return OpenAiErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized, message, "invalid_request_error", code: "invalid_api_key");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        OpenAiErrors.WriteAsync(Context, StatusCodes.Status403Forbidden,
            "This API key's user may only read (role viewer); chat completions need the reviewer or admin role.",
            "permission_error", code: "insufficient_role");
}
