namespace GptOssWorkbench.Web.Accounts;

using Microsoft.AspNetCore.Http;

/// <summary>Sign-in and API key settings (configuration section "Auth").</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();

    /// <summary>
    /// An API key to provision at start (Auth__BootstrapApiKey), owned by the first admin, for automation.
    /// At least 32 characters; stored hashed like any other key.
    /// </summary>
    public string? BootstrapApiKey { get; set; }

    /// <summary>Requests per minute for keys without their own limit.</summary>
    public int DefaultApiRateLimitPerMinute { get; set; } = 60;

    /// <summary>
    /// Secure flag of the sign-in cookie. SameAsRequest (default): Secure whenever the workbench is reached
    /// over HTTPS, and plain http://localhost still works for a local install. Set Always behind TLS.
    /// </summary>
    public CookieSecurePolicy CookieSecurePolicy { get; set; } = CookieSecurePolicy.SameAsRequest;
}

/// <summary>The admin created when the database has no admin yet.</summary>
public sealed class BootstrapAdminOptions
{
    public string Email { get; set; } = "admin@localhost";

    /// <summary>Empty: a random password is generated once and written to the startup log.</summary>
    public string? Password { get; set; }
}
