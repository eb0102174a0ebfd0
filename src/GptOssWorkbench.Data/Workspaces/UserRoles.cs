namespace GptOssWorkbench.Data.Workspaces;

/// <summary>Role names stored in <see cref="User.Role"/>; the same strings become Identity roles later.</summary>
public static class UserRoles
{
    public const string Admin = "admin";
    public const string Reviewer = "reviewer";
    public const string Viewer = "viewer";
}
