namespace GptOssWorkbench.Web.Dashboard;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Workers;
using Microsoft.EntityFrameworkCore;

public sealed record EngineRow(string Model, string Device, EngineMetrics Metrics);

public sealed record FailureRow(long RunId, DateTime? FinishedAt, string Model, string? Error);

/// <summary>One look at the system: database counts, the engines loaded in this process, and every worker's heartbeat.</summary>
public sealed record DashboardSnapshot(int Queued, int Running, int SucceededLastHour, int FailedLastHour, List<EngineRow> Engines, List<FailureRow> RecentFailures,
    IReadOnlyList<WorkerView> Workers)
{
    public double DecodeTokensPerSecond => Engines.Sum(e => e.Metrics.DecodeTokensPerSecond);

    public static async Task<DashboardSnapshot> TakeAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, EngineHost engines, WorkerDirectory workers)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var hourAgo = DateTime.UtcNow.AddHours(-1);
        var counts = await db.Runs.GroupBy(r => r.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        var recent = await db.Runs.Where(r => r.FinishedAt >= hourAgo).GroupBy(r => r.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        var failures = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Failed)
            .OrderByDescending(r => r.FinishedAt).Take(10)
            .Select(r => new FailureRow(r.Id, r.FinishedAt, r.Manifest.ModelName, r.Error)).ToListAsync();

        var rows = new List<EngineRow>();
        foreach (var name in engines.LoadedModelNames.ToList())
        {
            // Loaded engines are cached: this returns the existing one and never starts a load (folder unused).
            var engine = await engines.GetAsync(name, folder: "");
            rows.Add(new EngineRow(name, engine.Device, engine.Engine.Snapshot()));
        }
        return new DashboardSnapshot(
            counts.FirstOrDefault(c => c.Key == RunStatus.Queued)?.Count ?? 0,
            counts.FirstOrDefault(c => c.Key == RunStatus.Running)?.Count ?? 0,
            recent.FirstOrDefault(c => c.Key == RunStatus.Succeeded)?.Count ?? 0,
            recent.FirstOrDefault(c => c.Key == RunStatus.Failed)?.Count ?? 0,
            rows, failures, await workers.ListAsync());
    }
}
