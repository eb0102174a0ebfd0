namespace GptOssWorkbench.Web.Accounts;

using GptOssWorkbench.Data.Workspaces;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

public sealed record UserSummary(string Id, string Email, string Name, string Role, DateTime CreatedAt, bool LockedOut);

/// <summary>
/// What the admin's Users page does. Each call runs in its own DI scope: a Blazor circuit lives for the whole
/// visit, and a UserManager (with its DbContext) kept that long would serve stale rows.
/// </summary>
public sealed class UserAdministration(IServiceScopeFactory scopes, TimeProvider clock)
{
    public async Task<IReadOnlyList<UserSummary>> ListAsync()
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = await Users(scope).Users.AsNoTracking().ToListAsync();
        var now = clock.GetUtcNow();
        return users.OrderBy(u => u.Email)
            .Select(u => new UserSummary(u.Id, u.Email ?? "", u.Name, u.Role, u.CreatedAt, u.LockoutEnd > now))
            .ToList();
    }

    /// <summary>Creates an account with a one-time password for the admin to hand over (the invitation).</summary>
    public async Task<(UserSummary? User, string? Password, string? Error)> CreateAsync(string email, string name, string role)
    {
        if (!UserRoles.IsKnown(role))
        {
            return (null, null, $"Unknown role '{role}'; use one of {string.Join(", ", UserRoles.All)}.");
        }
        await using var scope = scopes.CreateAsyncScope();
        var password = Passwords.Generate();
        var user = new User
        {
            UserName = email.Trim(),
            Email = email.Trim(),
            EmailConfirmed = true,
            Name = name.Trim(),
            Role = role,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        var result = await Users(scope).CreateAsync(user, password);
        return result.Succeeded
            ? (new UserSummary(user.Id, user.Email, user.Name, user.Role, user.CreatedAt, false), password, null)
            : (null, null, string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    /// <summary>Changes the role; the new security stamp signs the user's existing cookies out within a minute.</summary>
    public async Task<string?> SetRoleAsync(string userId, string role, string actingAdminId)
    {
        if (!UserRoles.IsKnown(role))
        {
            return $"Unknown role '{role}'.";
        }
        if (userId == actingAdminId && role != UserRoles.Admin)
        {
            return "You cannot take the admin role from yourself (another admin can).";
        }
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return "No such user.";
        }
        user.Role = role;
        var result = await users.UpdateAsync(user);
        if (result.Succeeded)
        {
            result = await users.UpdateSecurityStampAsync(user);
        }
        return result.Succeeded ? null : string.Join(" ", result.Errors.Select(e => e.Description));
    }

    /// <summary>A new one-time password (the old one stops working).</summary>
    public async Task<(string? Password, string? Error)> ResetPasswordAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return (null, "No such user.");
        }
        var password = Passwords.Generate();
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var result = await users.ResetPasswordAsync(user, token, password);
        return result.Succeeded ? (password, null) : (null, string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    private static UserManager<User> Users(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<UserManager<User>>();
}
