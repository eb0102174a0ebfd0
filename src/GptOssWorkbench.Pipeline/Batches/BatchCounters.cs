namespace GptOssWorkbench.Pipeline.Batches;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// Recounts a batch's progress counters from its runs (rather than incrementing), so retries, cancels and
/// concurrent workers can never make them drift. Marks the batch completed when no run is left to do.
/// </summary>
public static class BatchCounters
{
    public static async Task RecountAsync(WorkbenchDbContext db, long batchId, CancellationToken cancellationToken)
    {
        var counts = await db.Runs.Where(r => r.BatchJobId == batchId).GroupBy(r => r.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        int Count(RunStatus status) => counts.FirstOrDefault(c => c.Status == status)?.Count ?? 0;
        var succeeded = Count(RunStatus.Succeeded);
        var failed = Count(RunStatus.Failed);
        var cancelled = Count(RunStatus.Cancelled);
        var open = Count(RunStatus.Queued) + Count(RunStatus.Running);
        var now = DateTime.UtcNow;
        // Conditional single-statement updates, never a read-modify-write of the status: a pause or cancel made
        // by someone else meanwhile must not be overwritten by a worker's stale copy.
        var batches = db.BatchJobs.Where(b => b.Id == batchId);
        await batches.ExecuteUpdateAsync(s => s
            .SetProperty(b => b.SucceededCount, succeeded)
            .SetProperty(b => b.FailedCount, failed)
            .SetProperty(b => b.CancelledCount, cancelled), cancellationToken);
        if (open == 0)
            await batches.Where(b => b.Status == BatchStatus.Queued || b.Status == BatchStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BatchStatus.Completed).SetProperty(b => b.FinishedAt, now), cancellationToken);
        else // a retry re-opened a finished batch
            await batches.Where(b => b.Status == BatchStatus.Completed)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BatchStatus.Running).SetProperty(b => b.FinishedAt, (DateTime?)null), cancellationToken);
    }
}
