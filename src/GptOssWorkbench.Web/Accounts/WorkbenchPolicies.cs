namespace GptOssWorkbench.Web.Accounts;

using GptOssWorkbench.Data.Workspaces;
using Microsoft.AspNetCore.Authorization;

/// <summary>
/// The three access levels. Roles are nested: a reviewer can do what a viewer can, an admin what a reviewer can.
/// Pages use <c>@attribute [Authorize(Policy = WorkbenchPolicies.Reviewer)]</c>; anything without an attribute
/// falls back to <see cref="Viewer"/>, so nothing is public by accident.
/// </summary>
public static class WorkbenchPolicies
{
    /// <summary>Read everything: runs, batches, reviews, statistics.</summary>
    public const string Viewer = "viewer";

    /// <summary>Also chat, run batches, rate, comment, vote.</summary>
    public const string Reviewer = "reviewer";

    /// <summary>Also manage users, models, API keys of others and settings; the Hangfire dashboard.</summary>
    public const string Admin = "admin";

    public static void Add(AuthorizationOptions options)
    {
        var viewer = Require(UserRoles.Viewer, UserRoles.Reviewer, UserRoles.Admin);
        options.AddPolicy(Viewer, viewer);
        options.AddPolicy(Reviewer, Require(UserRoles.Reviewer, UserRoles.Admin));
        options.AddPolicy(Admin, Require(UserRoles.Admin));
        options.FallbackPolicy = viewer;
    }

    private static AuthorizationPolicy Require(params string[] roles) =>
        new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(roles).Build();
}
