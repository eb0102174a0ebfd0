namespace GptOssWorkbench.Pipeline.Runs;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>
/// Recovery while the process runs. <see cref="RunRecovery"/> enqueues queued runs only at start; a run whose enqueue
/// failed (a database or queue hiccup after the row was written) or whose job vanished (deleted from the Hangfire
/// dashboard, expired) would otherwise show "queued" forever. Every <see cref="PipelineOptions.QueueSweepInterval"/>
/// this looks at runs queued longer than <see cref="PipelineOptions.QueueSweepAfter"/> (not in a paused batch: those
/// wait on purpose) and enqueues again each one whose recorded job is not Enqueued, Scheduled, Processing or Awaiting.
/// <para>Why a recorded job id (<see cref="Run.JobId"/>) and not a search of Hangfire's monitoring lists by argument:
/// asking the storage for one job's state is the same call on the in-memory storage (embedded) and on PostgreSQL
/// (distributed), is exact (the state is one field of the job, with no window where a job moving between lists is in
/// none), and costs one lookup per old queued run, bounded per sweep by <see cref="PipelineOptions.QueueSweepBatchSize"/>;
/// listing every live job would cost a page walk over the whole queue (a big batch is thousands of jobs) every minute.</para>
/// <para>A wrong guess costs nothing: a duplicate job finds the run claimed or finished and does nothing
/// (<see cref="InferenceJob"/> claims under the run's concurrency token), so races with a job that is just starting are
/// harmless. Runs only in the process that recovers runs (the web app), as one instance.</para>
/// </summary>
public sealed class RunQueueSweep(IDbContextFactory<WorkbenchDbContext> dbFactory, JobStorage storage, RunLauncher launcher,
    IOptions<PipelineOptions> options, TimeProvider clock, ILogger<RunQueueSweep> logger) : BackgroundService
{
    private static readonly HashSet<string> LiveStates =
        [EnqueuedState.StateName, ScheduledState.StateName, ProcessingState.StateName, AwaitingState.StateName];

    private readonly PipelineOptions options = options.Value;

    /// <summary>The last run id the previous sweep checked when it hit the batch size; the next one continues after it.</summary>
    private long resumeAfterId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.QueueSweepInterval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(options.QueueSweepInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Queue sweep failed; trying again in {Interval}: {Error}", options.QueueSweepInterval, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One sweep (the timer calls it; tests call it directly). Returns the ids of the runs it enqueued again.</summary>
    public async Task<IReadOnlyList<long>> SweepAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.QueueSweepAfter;
        var batchSize = Math.Max(1, options.QueueSweepBatchSize);
        List<QueuedRun> candidates;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            candidates = await db.Runs.AsNoTracking()
                .Where(r => r.Status == RunStatus.Queued && r.Id > resumeAfterId
                    && (r.QueuedAt ?? r.CreatedAt) < cutoff
                    && (r.BatchJob == null || r.BatchJob.Status != BatchStatus.Paused))
                .OrderBy(r => r.Id).Take(batchSize)
                .Select(r => new QueuedRun(r.Id, r.JobId, r.QueuedAt ?? r.CreatedAt))
                .ToListAsync(cancellationToken);
        }
        resumeAfterId = candidates.Count == batchSize ? candidates[^1].Id : 0;
        if (candidates.Count == 0) return [];

        var lost = new List<(QueuedRun Run, string State)>();
        using (var connection = storage.GetConnection())
        {
            foreach (var run in candidates)
            {
                var state = StateOf(connection, run.JobId);
                if (state is null || !LiveStates.Contains(state)) lost.Add((run, state ?? "missing"));
            }
        }
        if (lost.Count == 0) return [];

        // One line per sweep, not per run (a purged queue can leave a whole batch behind); the first few runs by name.
        logger.LogWarning("Queue sweep: {Count} runs queued for over {After} have no live Hangfire job; enqueuing them again: {Runs}",
            lost.Count, options.QueueSweepAfter,
            string.Join(", ", lost.Take(10).Select(l => $"run {l.Run.Id} (queued since {l.Run.QueuedSince:u}, job {l.Run.JobId ?? "none"}: {l.State})"))
            + (lost.Count > 10 ? $" and {lost.Count - 10} more" : ""));
        var ids = lost.Select(l => l.Run.Id).ToList();
        await launcher.EnqueueAsync(ids);
        return ids;
    }

    /// <summary>The job's current state name; null when the storage has no such job (expired, purged, never recorded).</summary>
    private static string? StateOf(Hangfire.Storage.IStorageConnection connection, string? jobId)
    {
        if (jobId is null) return null;
        try
        {
            return connection.GetJobData(jobId)?.State;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            // An id this storage cannot even parse (written by another storage, e.g. before switching modes): no such job.
            return null;
        }
    }

    private sealed record QueuedRun(long Id, string? JobId, DateTime QueuedSince);
}
