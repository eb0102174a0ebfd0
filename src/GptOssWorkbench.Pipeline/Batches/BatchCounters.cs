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
        var batch = await db.BatchJobs.FirstAsync(b => b.Id == batchId, cancellationToken);
        batch.SucceededCount = Count(RunStatus.Succeeded);
        batch.FailedCount = Count(RunStatus.Failed);
        batch.CancelledCount = Count(RunStatus.Cancelled);
        var open = Count(RunStatus.Queued) + Count(RunStatus.Running);
        if (open == 0 && batch.Status is BatchStatus.Queued or BatchStatus.Running)
        {
            batch.Status = BatchStatus.Completed;
            batch.FinishedAt = DateTime.UtcNow;
        }
        else if (open > 0 && batch.Status == BatchStatus.Completed)
        {
            // A retry re-opened it.
            batch.Status = BatchStatus.Running;
            batch.FinishedAt = null;
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
