namespace GptOssWorkbench.Web.Accounts;

using System.Security.Claims;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Audit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// Who may see raw reasoning (the analysis channel), per role, as the admins set it. The one place pages, exports and
/// the <c>/v1</c> API ask; none of them reads the settings table itself. Scoped: in a Blazor circuit the current user's
/// answer is looked up once and kept, so a change applies to pages opened (or reloaded) after it.
/// </summary>
public sealed class ReasoningVisibilityPolicy(
    IDbContextFactory<WorkbenchDbContext> dbFactory, CurrentAudit audit, AuthenticationStateProvider? authState = null)
{
    private Task<ReasoningVisibility>? _currentUser;

    /// <summary>Every role's setting; roles the admins never set are <see cref="ReasoningVisibility.Shown"/>.</summary>
    public async Task<IReadOnlyDictionary<string, ReasoningVisibility>> AllAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.ReasoningPolicies.AsNoTracking().ToDictionaryAsync(p => p.Role, p => p.Visibility, cancellationToken);
        return UserRoles.All.ToDictionary(role => role, role => stored.GetValueOrDefault(role, ReasoningVisibility.Shown));
    }

    /// <summary>
    /// What this user sees. A user with several roles gets the most permissive of them: roles are nested (an admin can
    /// do what a reviewer can), so holding a role that may see reasoning is enough. No role at all (only component
    /// tests without a host; every page and endpoint requires one) is the default, Shown.
    /// </summary>
    public async Task<ReasoningVisibility> ForAsync(ClaimsPrincipal user, CancellationToken cancellationToken = default)
    {
        var roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value).Where(UserRoles.IsKnown).ToList();
        if (roles.Count == 0)
            return ReasoningVisibility.Shown;
        var all = await AllAsync(cancellationToken);
        return roles.Min(role => all[role]);
    }

    /// <summary>The signed-in user of this circuit (components).</summary>
    public Task<ReasoningVisibility> ForCurrentUserAsync() => _currentUser ??= LookUpCurrentUserAsync();

    private async Task<ReasoningVisibility> LookUpCurrentUserAsync()
    {
        var user = authState is null ? new ClaimsPrincipal() : (await authState.GetAuthenticationStateAsync()).User;
        return await ForAsync(user);
    }

    /// <summary>Changes one role's setting and audits it. Returns an error sentence, or null when it was stored.</summary>
    public async Task<string?> SetAsync(ClaimsPrincipal actingUser, string role, ReasoningVisibility visibility)
    {
        if (!actingUser.IsInRole(UserRoles.Admin))
            return "Only admins can change who sees reasoning.";
        if (!UserRoles.IsKnown(role))
            return $"Unknown role '{role}': expected one of {string.Join(", ", UserRoles.All)}.";
        if (!Enum.IsDefined(visibility))
            return $"Unknown reasoning visibility '{visibility}': expected one of {string.Join(", ", Enum.GetNames<ReasoningVisibility>())}.";

        await using var db = await dbFactory.CreateDbContextAsync();
        var row = await db.ReasoningPolicies.FindAsync(role);
        var before = row?.Visibility ?? ReasoningVisibility.Shown;
        if (before == visibility)
            return null;
        if (row is null)
            db.ReasoningPolicies.Add(new RoleReasoningPolicy { Role = role, Visibility = visibility });
        else
            row.Visibility = visibility;
        await db.SaveChangesAsync();
        await audit.RecordAsync(AuditActions.SettingsChanged, $"reasoning-visibility:{role}", $"reasoning for role {role}: {before} -> {visibility}");
        return null;
    }
}
