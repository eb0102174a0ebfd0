namespace GptOssWorkbench.Web.Review;

using System.Security.Claims;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// Who is rating, commenting, voting and chatting in this circuit: the signed-in user, who must hold the reviewer
/// policy (viewers read only). Pages are never reachable anonymously (the fallback policy is viewer), so the
/// local-reviewer identity below is used only where no authentication exists at all: component tests that render a
/// page without a host.
/// </summary>
public sealed class CurrentReviewer(IDbContextFactory<WorkbenchDbContext> dbFactory, AuthenticationStateProvider? authState = null, IAuthorizationService? authorization = null)
{
    public const string LocalUserId = "local-reviewer";

    private string? _userId;

    public async Task<string> GetUserIdAsync()
    {
        if (_userId is not null)
            return _userId;
        if (authState is not null && authorization is not null)
        {
            var user = (await authState.GetAuthenticationStateAsync()).User;
            if (user.Identity?.IsAuthenticated == true)
            {
                var id = user.FindFirstValue(ClaimTypes.NameIdentifier)
                    ?? throw new UnauthorizedAccessException("Your sign-in has no user id; sign in again.");
                if (!(await authorization.AuthorizeAsync(user, WorkbenchPolicies.Reviewer)).Succeeded)
                    throw new UnauthorizedAccessException("Viewers can read but not chat, rate, comment or vote: ask an admin for the reviewer role.");
                return _userId = id;
            }
        }
        await EnsureLocalReviewerAsync();
        return _userId = LocalUserId;
    }

    private async Task EnsureLocalReviewerAsync()
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        if (await db.Users.AnyAsync(u => u.Id == LocalUserId))
            return;
        db.Users.Add(new User { Id = LocalUserId, Name = "Local reviewer", Email = "local@workbench", Role = UserRoles.Reviewer, CreatedAt = DateTime.UtcNow });
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            // Another circuit created it at the same moment: fine.
        }
    }
}
