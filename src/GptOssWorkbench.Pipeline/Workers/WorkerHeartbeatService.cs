namespace GptOssWorkbench.Pipeline.Workers;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Workers;
using GptOssWorkbench.Pipeline.Engines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>
/// Runs in every process that executes jobs (the web app in embedded mode, each worker process): upserts this
/// process's <see cref="WorkerHeartbeat"/> every <see cref="PipelineOptions.HeartbeatInterval"/>, marks it stopped on a
/// clean shutdown, and deletes rows of workers gone for a day. A failed write is logged and retried next beat:
/// the heartbeat must never stop the worker.
/// </summary>
public sealed class WorkerHeartbeatService(
    IDbContextFactory<WorkbenchDbContext> dbFactory, EngineHost engines, IOptions<PipelineOptions> pipeline, IOptions<EngineHostOptions> engineOptions,
    TimeProvider clock, ILogger<WorkerHeartbeatService> logger) : BackgroundService
{
    private readonly DateTime startedAt = clock.GetUtcNow().UtcDateTime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(pipeline.Value.HeartbeatInterval, clock);
        do
        {
            try
            {
                await BeatAsync(stopped: false, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Worker heartbeat failed; retrying in {Interval}", pipeline.Value.HeartbeatInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await BeatAsync(stopped: true, cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // A start that failed (a port in use, say) disposes the host's services before stopping this one. The row
            // then keeps its last beat and reads as offline after 30 s; a stack trace here would bury the one line
            // that says why the start failed.
            logger.LogInformation("Worker {Name} stopped before its services could mark it stopped", pipeline.Value.EffectiveWorkerName);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not mark worker {Name} stopped", pipeline.Value.EffectiveWorkerName);
        }
    }

    /// <summary>Writes this process's row now (tests and shutdown call it directly).</summary>
    public async Task BeatAsync(bool stopped, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var models = new List<WorkerModel>();
        foreach (var modelName in engines.LoadedModelNames.ToList())
        {
            // Loaded engines are cached: this returns the existing one and never starts a load (folder unused).
            var loaded = await engines.GetAsync(modelName, folder: "");
            var m = loaded.Engine.Snapshot();
            models.Add(new WorkerModel(modelName, loaded.WeightsFingerprint, m.KvBlocksUsed, m.KvBlocksTotal, m.Running, m.Waiting, m.DecodeTokensPerSecond));
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var name = pipeline.Value.EffectiveWorkerName;
        var row = await db.WorkerHeartbeats.FirstOrDefaultAsync(w => w.Name == name, cancellationToken);
        if (row is null)
        {
            row = new WorkerHeartbeat { Name = name };
            db.WorkerHeartbeats.Add(row);
        }
        var options = engineOptions.Value;
        row.MachineName = Environment.MachineName;
        row.ProcessId = Environment.ProcessId;
        row.Device = options.Device;
        row.Dtype = options.Dtype;
        row.Threads = options.Threads;
        row.SetModels(models);
        row.KvBlocksUsed = models.Sum(m => m.KvBlocksUsed);
        row.KvBlocksTotal = models.Sum(m => m.KvBlocksTotal);
        row.RunningSequences = models.Sum(m => m.Running);
        row.WaitingSequences = models.Sum(m => m.Waiting);
        row.TokensPerSecond = models.Sum(m => m.TokensPerSecond);
        row.StartedAt = startedAt;
        row.LastSeenAt = now;
        row.StoppedAt = stopped ? now : null;
        await db.SaveChangesAsync(cancellationToken);

        var pruneBefore = now - WorkerHeartbeat.PruneAfter;
        await db.WorkerHeartbeats.Where(w => w.LastSeenAt < pruneBefore).ExecuteDeleteAsync(cancellationToken);
    }
}
