namespace GptOssWorkbench.Data.Workspaces;

using Microsoft.AspNetCore.Identity;

/// <summary>
/// A person who uses the workbench: an ASP.NET Core Identity user (email, password hash, lockout) stored in
/// the "Users" table, so every foreign key that points here (ratings, runs, API keys...) keeps working.
/// </summary>
public class User : IdentityUser
{
    public User()
    {
        Id = Guid.NewGuid().ToString("N");
    }

    /// <summary>Display name.</summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// One of <see cref="UserRoles"/>. A single column rather than Identity's role tables: a user has exactly one
    /// role and the roles are nested (admin ⊃ reviewer ⊃ viewer); sign-in turns it into a role claim.
    /// </summary>
    public string Role { get; set; } = UserRoles.Viewer;

    public DateTime CreatedAt { get; set; }
}
