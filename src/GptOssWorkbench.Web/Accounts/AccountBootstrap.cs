namespace GptOssWorkbench.Web.Accounts;

using GptOssWorkbench.Data.Workspaces;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

/// <summary>
/// First start: creates an admin when none exists (Auth:BootstrapAdmin), and provisions Auth:BootstrapApiKey.
/// A generated password is written to the log exactly once, when the admin is created: it is the only way a
/// new install can be entered, and it is never stored in clear anywhere.
/// </summary>
public static class AccountBootstrap
{
    public static async Task RunAsync(WebApplication app)
    {
        if (app.Services.GetRequiredService<GptOssWorkbench.Web.Database.DatabaseStartup>().Error is not null)
        {
            return; // the database is broken; /healthz and the log already say why
        }
        var options = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();

        var admin = await users.Users.Where(u => u.Role == UserRoles.Admin).OrderBy(u => u.CreatedAt).FirstOrDefaultAsync();
        if (admin is null)
        {
            var generated = string.IsNullOrEmpty(options.BootstrapAdmin.Password);
            var password = generated ? Passwords.Generate() : options.BootstrapAdmin.Password!;
            admin = new User
            {
                UserName = options.BootstrapAdmin.Email,
                Email = options.BootstrapAdmin.Email,
                EmailConfirmed = true,
                Name = "Administrator",
                Role = UserRoles.Admin,
                CreatedAt = DateTime.UtcNow,
            };
            var result = await users.CreateAsync(admin, password);
            if (!result.Succeeded)
            {
                // Never echo the password: only say what rule it broke.
                throw new InvalidOperationException(
                    $"Could not create the bootstrap admin {options.BootstrapAdmin.Email} (Auth:BootstrapAdmin): " +
                    string.Join(" ", result.Errors.Select(e => e.Description)));
            }
            if (generated)
            {
                var email = admin.Email;
                app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogWarning(
                    "Created the first admin account. Sign in at {SignInUrl} as {Email} with the password {Password} " +
                    "(shown only this once; set Auth__BootstrapAdmin__Password to choose it yourself).",
                    SignInUrl(app), email, password));
            }
            else
            {
                app.Logger.LogInformation("Created the first admin account {Email} from Auth:BootstrapAdmin.", admin.Email);
            }
        }

        if (!string.IsNullOrEmpty(options.BootstrapApiKey))
        {
            var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
            if (await keys.ProvisionAsync(admin.Id, "bootstrap (Auth:BootstrapApiKey)", options.BootstrapApiKey))
            {
                app.Logger.LogInformation("Provisioned the API key from Auth:BootstrapApiKey for {Email}.", admin.Email);
            }
        }
    }

    private static string SignInUrl(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? "http://localhost:5000";
        return address.Replace("://[::]", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://+", "://localhost")
            .TrimEnd('/') + SignInPath;
    }

    public const string SignInPath = "/account/signin";
}
