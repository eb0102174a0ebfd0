namespace GptOssWorkbench.Web.Review;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Workspaces;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// Who is rating, commenting and voting in this circuit. Until sign-in exists (the accounts issue) everyone
/// is one local reviewer, created on first use so ratings have a user to point at.
/// </summary>
public sealed class CurrentReviewer(IDbContextFactory<WorkbenchDbContext> dbFactory)
{
    public const string LocalUserId = "local-reviewer";

    private bool _ensured;

    public string UserId { get; private set; } = LocalUserId;

    public async Task<string> GetUserIdAsync()
    {
        if (_ensured)
            return UserId;
        await using var db = await dbFactory.CreateDbContextAsync();
        if (!await db.Users.AnyAsync(u => u.Id == UserId))
        {
            db.Users.Add(new User { Id = UserId, Name = "Local reviewer", Email = "local@workbench", Role = UserRoles.Reviewer, CreatedAt = DateTime.UtcNow });
            try
            {
                await db.SaveChangesAsync();
            }
            catch (DbUpdateException)
            {
                // Another circuit created it at the same moment: fine.
            }
        }
        _ensured = true;
        return UserId;
    }
}
