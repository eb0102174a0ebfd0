namespace GptOssWorkbench.Web.Review;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Audit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

/// <summary>A run's flag as pages show it: kind, note, and who set it when.</summary>
public sealed record RunFlagView(long RunId, RunFlagKind Kind, string? Note, string FlaggedByUserId, string FlaggedBy, DateTime FlaggedAt);

/// <summary>
/// Flagging runs (unsafe, PII, other; see <see cref="RunFlag"/>): reviewers flag, the flagger changes their flag, the
/// flagger or an admin removes it, and every change is audited. The one place pages read and write flags. Changes
/// return an error sentence for the page to show (null: done) instead of throwing: every refusal here is something the
/// user can act on.
/// </summary>
public sealed class RunFlags(
    IDbContextFactory<WorkbenchDbContext> dbFactory, CurrentReviewer reviewer, CurrentAudit audit, TimeProvider clock,
    AuthenticationStateProvider? authState = null)
{
    public async Task<RunFlagView?> GetAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.RunFlags.AsNoTracking().Where(f => f.RunId == runId)
            .Select(f => new RunFlagView(f.RunId, f.Kind, f.Note, f.FlaggedByUserId,
                f.FlaggedBy == null ? f.FlaggedByUserId : f.FlaggedBy.Name != "" ? f.FlaggedBy.Name : f.FlaggedBy.Email ?? f.FlaggedByUserId,
                f.FlaggedAt))
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>How many runs of the batch are flagged (its downloads leave them out unless asked).</summary>
    public async Task<int> CountInBatchAsync(long batchId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.RunFlags.CountAsync(f => f.Run!.BatchJobId == batchId, cancellationToken);
    }

    /// <summary>Whether the signed-in user may remove <paramref name="flag"/>: the reviewer who set it, or an admin.</summary>
    public async Task<bool> CanRemoveAsync(RunFlagView flag)
    {
        var userId = await ReviewerIdAsync();
        return userId is not null && (userId == flag.FlaggedByUserId || await IsAdminAsync());
    }

    /// <summary>Whether the signed-in user may change <paramref name="flag"/>'s kind and note: only the reviewer who set it.</summary>
    public async Task<bool> CanChangeAsync(RunFlagView flag) => await ReviewerIdAsync() == flag.FlaggedByUserId;

    /// <summary>Flags the run, or changes the flag the same reviewer set before. Returns an error sentence, or null when stored.</summary>
    public async Task<string?> FlagAsync(long runId, RunFlagKind kind, string? note)
    {
        string userId;
        try
        {
            userId = await reviewer.GetUserIdAsync();
        }
        catch (UnauthorizedAccessException)
        {
            return "Viewers cannot flag runs: ask an admin for the reviewer role.";
        }
        if (RunFlag.Problem(kind, note) is { } problem)
            return problem;
        note = RunFlag.CleanNote(note);

        await using var db = await dbFactory.CreateDbContextAsync();
        if (!await db.Runs.AnyAsync(r => r.Id == runId))
            return $"Run {runId} does not exist (it may have been deleted).";
        var flag = await db.RunFlags.Include(f => f.FlaggedBy).SingleOrDefaultAsync(f => f.RunId == runId);
        string details;
        if (flag is null)
        {
            db.RunFlags.Add(new RunFlag { RunId = runId, Kind = kind, Note = note, FlaggedByUserId = userId, FlaggedAt = Now });
            details = $"flagged {kind.Label()}{NoteText(note)}";
        }
        else if (flag.FlaggedByUserId != userId)
        {
            return $"Run {runId} is already flagged {flag.Kind.Label()} by {NameOf(flag.FlaggedBy, flag.FlaggedByUserId)}; " +
                "only they can change that flag, and only they or an admin can remove it.";
        }
        else
        {
            if (flag.Kind == kind && flag.Note == note)
                return null;
            details = $"changed the flag {flag.Kind.Label()} -> {kind.Label()}{NoteText(note)}";
            flag.Kind = kind;
            flag.Note = note;
            flag.FlaggedAt = Now;
        }
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            // Another reviewer flagged it at the same moment (the run id is the key), or the run was deleted meanwhile.
            return $"Run {runId} was flagged or deleted by someone else just now; reload the page to see it.";
        }
        await audit.RecordAsync(AuditActions.RunFlagged, $"run:{runId}", details);
        return null;
    }

    /// <summary>Removes the run's flag (the flagger or an admin). Returns an error sentence, or null when removed.</summary>
    public async Task<string?> UnflagAsync(long runId)
    {
        var userId = await ReviewerIdAsync();
        if (userId is null)
            return "Viewers cannot remove flags: ask an admin for the reviewer role.";
        await using var db = await dbFactory.CreateDbContextAsync();
        var flag = await db.RunFlags.Include(f => f.FlaggedBy).SingleOrDefaultAsync(f => f.RunId == runId);
        if (flag is null)
            return $"Run {runId} is not flagged.";
        var flagger = NameOf(flag.FlaggedBy, flag.FlaggedByUserId);
        if (flag.FlaggedByUserId != userId && !await IsAdminAsync())
            return $"Only {flagger}, who flagged run {runId}, or an admin can remove its flag.";
        db.RunFlags.Remove(flag);
        await db.SaveChangesAsync();
        await audit.RecordAsync(AuditActions.RunUnflagged, $"run:{runId}", $"removed the {flag.Kind.Label()} flag set by {flagger}{NoteText(flag.Note)}");
        return null;
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private async Task<string?> ReviewerIdAsync()
    {
        try
        {
            return await reviewer.GetUserIdAsync();
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task<bool> IsAdminAsync() =>
        authState is not null && (await authState.GetAuthenticationStateAsync()).User.IsInRole(UserRoles.Admin);

    private static string NameOf(User? user, string id) => user is null ? id : user.Email ?? (user.Name != "" ? user.Name : id);

    private static string NoteText(string? note) => note is null ? "" : $" (note: {note})";
}
