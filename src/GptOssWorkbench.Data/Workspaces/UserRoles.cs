namespace GptOssWorkbench.Data.Workspaces;

/// <summary>Role names stored in <see cref="User.Role"/> and issued as role claims at sign-in.</summary>
public static class UserRoles
{
    public const string Admin = "admin";
    public const string Reviewer = "reviewer";
    public const string Viewer = "viewer";

    public static IReadOnlyList<string> All { get; } = [Admin, Reviewer, Viewer];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role);
}
