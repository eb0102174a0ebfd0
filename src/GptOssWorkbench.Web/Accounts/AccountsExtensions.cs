namespace GptOssWorkbench.Web.Accounts;

using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Api;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;

public static class AccountsExtensions
{
    public const string ApiRateLimitPolicy = "api-key";

    public static void AddWorkbenchAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ApiKeyService>();
        builder.Services.AddSingleton<UserAdministration>();
        builder.Services.AddScoped<ReasoningVisibilityPolicy>();

        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme)
            .AddIdentityCookies();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddIdentityCore<User>(options =>
            {
                // Length over composition rules (NIST SP 800-63B): long random or pass-phrase passwords are fine.
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.User.RequireUniqueEmail = true;
                options.Lockout.MaxFailedAccessAttempts = 10;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddEntityFrameworkStores<WorkbenchDbContext>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<RoleClaimsPrincipalFactory>()
            .AddDefaultTokenProviders();
        // The DbContext is also needed scoped by Identity's stores (the rest of the app uses the factory).
        builder.Services.AddScoped(sp => sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<WorkbenchDbContext>>().CreateDbContext());

        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = AccountBootstrap.SignInPath;
            cookie.LogoutPath = "/account/signout";
            cookie.AccessDeniedPath = "/account/denied";
            cookie.Cookie.Name = "workbench.auth";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = auth.CookieSecurePolicy;
            cookie.ExpireTimeSpan = TimeSpan.FromDays(7);
            cookie.SlidingExpiration = true;
        });
        builder.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.SecurePolicy = auth.CookieSecurePolicy;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
        });
        // A changed role or a removed user takes effect within a minute, not at cookie expiry.
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        builder.Services.AddAuthorization(WorkbenchPolicies.Add);
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(ApiRateLimitPolicy, context => ApiKeyPartition(context, auth.DefaultApiRateLimitPerMinute));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    rejected.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }
                await OpenAiErrors.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests,
                    "Rate limit reached for this API key. Wait and retry (see the Retry-After header), or ask an admin for a higher limit.",
                    "rate_limit_exceeded", code: "rate_limit_exceeded");
            };
        });
    }

    /// <summary>One fixed one-minute window per API key, sized by the key's own limit.</summary>
    private static RateLimitPartition<string> ApiKeyPartition(HttpContext context, int defaultPerMinute)
    {
        var keyId = context.User.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim);
        if (keyId is null)
        {
            // Unauthenticated requests are rejected by authorization before any work; do not limit them here.
            return RateLimitPartition.GetNoLimiter("anonymous");
        }
        var limit = int.TryParse(context.User.FindFirstValue(ApiKeyAuthenticationHandler.RateLimitClaim), CultureInfo.InvariantCulture, out var own)
            ? own
            : defaultPerMinute;
        return RateLimitPartition.GetFixedWindowLimiter($"{keyId}:{limit}", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, limit),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    /// <summary>Between UseRouting and the endpoints.</summary>
    public static void UseWorkbenchAccounts(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
    }

    public static void MapWorkbenchAccounts(this WebApplication app)
    {
        app.MapPost("/account/signout", async (HttpContext context, IAntiforgery antiforgery, SignInManager<User> signIn, Audit.CurrentAudit audit) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest("The sign-out form is missing its antiforgery token; reload the page and try again.");
            }
            if (context.User.Identity?.IsAuthenticated == true)
                await audit.RecordAsync(Data.Audit.AuditActions.SignedOut, $"user:{context.User.FindFirstValue(ClaimTypes.NameIdentifier)}", "signed out");
            await signIn.SignOutAsync();
            return Results.LocalRedirect(AccountBootstrap.SignInPath);
        }).AllowAnonymous().DisableAntiforgery();
    }

    public static Task BootstrapWorkbenchAccountsAsync(this WebApplication app) => AccountBootstrap.RunAsync(app);
}
