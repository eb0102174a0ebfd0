namespace GptOssWorkbench.Web.Observability;

using System.Diagnostics.Metrics;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workers;
using GptOssWorkbench.Pipeline.Observability;
using GptOssWorkbench.Pipeline.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

/// <summary>
/// Gauges read from the database, so they describe the whole deployment (every worker) and are exported by the web
/// app only (workers export their engines, not these, or a sum over processes would count runs twice). One reading
/// (a GROUP BY over runs plus the heartbeat rows, the same rows the Dashboard reads) serves every gauge and every
/// scrape for <see cref="ObservabilityOptions.DatabaseGaugeCacheDuration"/>.
/// </summary>
public sealed class DatabaseGauges
{
    private readonly IDbContextFactory<WorkbenchDbContext> dbFactory;
    private readonly WorkerDirectory workers;
    private readonly TimeProvider clock;
    private readonly TimeSpan cacheDuration;
    private readonly ILogger<DatabaseGauges> logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private Reading? last;

    public DatabaseGauges(IMeterFactory meters, IDbContextFactory<WorkbenchDbContext> dbFactory, WorkerDirectory workers, TimeProvider clock,
        IOptions<ObservabilityOptions> options, ILogger<DatabaseGauges> logger)
    {
        this.dbFactory = dbFactory;
        this.workers = workers;
        this.clock = clock;
        this.logger = logger;
        cacheDuration = options.Value.DatabaseGaugeCacheDuration;
        var meter = meters.Create(WorkbenchMetrics.MeterName);
        meter.CreateObservableGauge("workbench.queue.depth", () => (long)(Read()?.ByStatus.GetValueOrDefault(RunStatus.Queued) ?? 0), "{run}",
            "Runs waiting for a worker");
        meter.CreateObservableGauge("workbench.runs", RunsByStatus, "{run}", "Stored runs by status");
        meter.CreateObservableGauge("workbench.worker.heartbeat_age", HeartbeatAges, "s", "Seconds since each worker's last heartbeat, with its state");
        meter.CreateObservableGauge("workbench.worker.decode_rate", () => PerWorker(w => w.Heartbeat.TokensPerSecond), "{token}/s",
            "Decode tokens per second each worker last reported");
        meter.CreateObservableGauge("workbench.worker.kv_cache.usage",
            () => PerWorker(w => w.Heartbeat.KvBlocksTotal == 0 ? 0 : (double)w.Heartbeat.KvBlocksUsed / w.Heartbeat.KvBlocksTotal), "1",
            "Fraction of the KV cache each worker last reported in use");
    }

    private sealed record Reading(DateTimeOffset At, Dictionary<RunStatus, int> ByStatus, IReadOnlyList<WorkerView> Workers);

    private IEnumerable<Measurement<long>> RunsByStatus()
    {
        if (Read() is not { } reading) yield break;
        foreach (var status in Enum.GetValues<RunStatus>())
            yield return new Measurement<long>(reading.ByStatus.GetValueOrDefault(status), new KeyValuePair<string, object?>("status", status.ToString().ToLowerInvariant()));
    }

    // Aged from now, not from the cached reading: a dead worker's age keeps growing between readings.
    private IEnumerable<Measurement<double>> HeartbeatAges()
    {
        if (Read() is not { } reading) yield break;
        foreach (var worker in reading.Workers)
            yield return new Measurement<double>(Math.Max(0, (clock.GetUtcNow().UtcDateTime - worker.Heartbeat.LastSeenAt).TotalSeconds),
                new("worker", worker.Heartbeat.Name), new("state", worker.State.ToString().ToLowerInvariant()));
    }

    private IEnumerable<Measurement<double>> PerWorker(Func<WorkerView, double> value)
    {
        if (Read() is not { } reading) yield break;
        foreach (var worker in reading.Workers.Where(w => w.State == WorkerState.Online))
            yield return new Measurement<double>(value(worker), new KeyValuePair<string, object?>("worker", worker.Heartbeat.Name));
    }

    /// <summary>The cached reading, refreshed when stale; null when the database cannot be read (the gauges are then absent).</summary>
    private Reading? Read()
    {
        var now = clock.GetUtcNow();
        if (last is { } fresh && now - fresh.At < cacheDuration) return fresh;
        // Observable callbacks are synchronous; one scrape refreshes while concurrent ones wait for its result.
        gate.Wait();
        try
        {
            if (last is { } other && now - other.At < cacheDuration) return other;
            last = LoadAsync(now).GetAwaiter().GetResult();
            return last;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Metrics: could not read run counts and worker heartbeats");
            return null;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<Reading> LoadAsync(DateTimeOffset now)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var counts = await db.Runs.GroupBy(r => r.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        return new Reading(now, counts.ToDictionary(c => c.Key, c => c.Count), await workers.ListAsync());
    }
}
