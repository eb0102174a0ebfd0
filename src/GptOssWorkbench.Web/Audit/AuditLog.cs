namespace GptOssWorkbench.Web.Audit;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Audit;
using Microsoft.EntityFrameworkCore;

/// <summary>Who did what, when, from where. Writes and reads the append-only audit table.</summary>
public sealed class AuditLog(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider clock, ILogger<AuditLog> logger)
{
    /// <summary>
    /// Records one action after it took effect. A failed write does not undo the action or break the page that did it
    /// (the action is already committed); the entry then goes to the error log in full, so it is not lost.
    /// </summary>
    public async Task RecordAsync(AuditActor actor, string action, string target, string details, CancellationToken cancellationToken = default)
    {
        var entry = new AuditEntry
        {
            At = clock.GetUtcNow().UtcDateTime,
            Action = action,
            ActorId = actor.UserId,
            Actor = Clip(actor.Name, 256),
            RemoteAddress = Clip(actor.RemoteAddress, 64),
            Target = Clip(target, 300),
            Details = Clip(details, 2000),
        };
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            db.AuditLog.Add(entry);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or OperationCanceledException)
        {
            logger.LogError(e, "Could not store the audit entry {Action} by {Actor} ({Address}) on {Target}: {Details}",
                entry.Action, entry.Actor, entry.RemoteAddress, entry.Target, entry.Details);
        }
    }

    public async Task<AuditResults> SearchAsync(AuditFilter filter, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = filter.Apply(db.AuditLog.AsNoTracking());
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 500)).ToListAsync(cancellationToken);
        return new AuditResults(rows, total);
    }

    /// <summary>Every entry the filter matches, newest first, as CSV for a spreadsheet.</summary>
    public async Task WriteCsvAsync(AuditFilter filter, Stream output, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = filter.Apply(db.AuditLog.AsNoTracking()).OrderByDescending(e => e.At).ThenByDescending(e => e.Id).AsAsyncEnumerable();
        await AuditCsv.WriteAsync(rows, output, cancellationToken);
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max];
}

public sealed record AuditResults(IReadOnlyList<AuditEntry> Rows, int Total);
