namespace GptOssWorkbench.Pipeline.Runs;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

/// <summary>
/// Start-up recovery. The database is the source of truth, the job queue is not: in embedded mode Hangfire's queue
/// lives in memory and dies with the process, so every run the database still lists as queued or running is put
/// back (a running one loses its partial output and starts over). In distributed mode the queue is in PostgreSQL
/// and a running run may be alive on another worker, so only queued runs are enqueued again (a duplicate job is
/// harmless: the first to claim the run wins); a killed worker's running runs come back through Hangfire, which
/// hands the same job to another worker.
/// </summary>
public sealed class RunRecovery(IDbContextFactory<WorkbenchDbContext> dbFactory, RunLauncher launcher, TimeProvider clock, ILogger<RunRecovery> logger)
{
    public async Task<int> RecoverAsync(bool requeueRunning, CancellationToken cancellationToken = default)
    {
        List<long> queued;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (requeueRunning)
            {
                var interrupted = await db.Runs.Include(r => r.Messages).Where(r => r.Status == RunStatus.Running).ToListAsync(cancellationToken);
                var now = clock.GetUtcNow().UtcDateTime;
                foreach (var run in interrupted)
                {
                    db.Messages.RemoveRange(run.Messages);
                    run.MoveTo(RunStatus.Queued, now);
                    run.WorkerName = null;
                }
                await db.SaveChangesAsync(cancellationToken);
                if (interrupted.Count > 0) logger.LogWarning("Recovery: {Count} runs were interrupted while running; queued again", interrupted.Count);
            }
            queued = await db.Runs
                .Where(r => r.Status == RunStatus.Queued && (r.BatchJob == null || r.BatchJob.Status != BatchStatus.Paused))
                .OrderBy(r => r.Id).Select(r => r.Id).ToListAsync(cancellationToken);
        }
        await launcher.EnqueueAsync(queued);
        if (queued.Count > 0) logger.LogInformation("Recovery: enqueued {Count} queued runs", queued.Count);
        return queued.Count;
    }
}
