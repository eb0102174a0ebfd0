namespace GptOssWorkbench.Data.Workspaces;

/// <summary>
/// A person who uses the workbench. Deliberately minimal: the id is a string and the class is called
/// <c>User</c> so that the accounts issue can make it derive from ASP.NET Identity's <c>IdentityUser</c>
/// (whose key is a string too) without touching any foreign key that points here.
/// </summary>
public class User
{
    public string Id { get; set; } = Guid.NewGuid().ToString("N");
    public string Name { get; set; } = "";
    public string Email { get; set; } = "";

    /// <summary>One of <see cref="UserRoles"/>.</summary>
    public string Role { get; set; } = UserRoles.Viewer;

    public DateTime CreatedAt { get; set; }
}
