namespace GptOssWorkbench.Pipeline.Runs;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Updates;
using Microsoft.EntityFrameworkCore;

/// <summary>Cancel and retry for single runs (the chat's stop button, a transcript's retry).</summary>
public sealed class RunControl(
    IDbContextFactory<WorkbenchDbContext> dbFactory, RunCancellations cancellations, RunLauncher launcher, RunUpdates updates, TimeProvider clock)
{
    /// <summary>
    /// Stops a queued or running run. A running run stops at the engine's next step when it runs in this process
    /// (a token), or when its worker sees the request (relay or the flag it polls); it then stores what it made
    /// so far with status cancelled. Returns false if the run had already finished.
    /// </summary>
    public async Task<bool> CancelAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // ExecuteUpdate: the flag must not race the worker's own saves on the run's concurrency token.
        var flagged = await db.Runs.Where(r => r.Id == runId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CancellationRequested, true), cancellationToken);
        if (flagged == 0) return false;
        cancellations.Cancel(runId);

        // A queued run has no worker to notice: finish it here (unless a worker claims it at this very moment).
        var run = await db.Runs.FirstAsync(r => r.Id == runId, cancellationToken);
        if (run.Status == RunStatus.Queued)
        {
            run.MoveTo(RunStatus.Cancelled, clock.GetUtcNow().UtcDateTime);
            run.FinishReason = "cancelled";
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                if (run.BatchJobId is { } batchId) await BatchCounters.RecountAsync(db, batchId, cancellationToken);
                updates.Publish(new RunFinished(run.Id, run.BatchJobId, run.Status, run.FinishReason, null,
                    new RunStats(0, 0, 0, null, null)));
            }
            catch (DbUpdateConcurrencyException)
            {
                // A worker took it first; it sees the flag and stops.
            }
        }
        return true;
    }

    /// <summary>Runs a failed or cancelled run again (same run row, output of the old attempt removed).</summary>
    public async Task RetryAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var run = await db.Runs.Include(r => r.Messages).FirstOrDefaultAsync(r => r.Id == runId, cancellationToken)
                ?? throw new KeyNotFoundException($"Run {runId} does not exist.");
            if (run.Status is not (RunStatus.Failed or RunStatus.Cancelled))
                throw new InvalidOperationException($"Run {runId} is {run.Status}; only failed or cancelled runs can be retried.");
            PrepareRetry(db, run, clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync(cancellationToken);
            if (run.BatchJobId is { } batchId) await BatchCounters.RecountAsync(db, batchId, cancellationToken);
        }
        await launcher.EnqueueAsync(runId);
    }

    internal static void PrepareRetry(WorkbenchDbContext db, Run run, DateTime now)
    {
        db.Messages.RemoveRange(run.Messages);
        run.MoveTo(RunStatus.Queued, now);
        run.OutputTokens = run.ReasoningTokens = run.PromptTokens = 0;
        run.TimeToFirstTokenMs = run.TokensPerSecond = null;
        run.WorkerName = null;
    }
}
