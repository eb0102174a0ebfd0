namespace GptOssWorkbench.Pipeline.Workers;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Workers;
using Microsoft.EntityFrameworkCore;

/// <summary>Every worker's last heartbeat with its state now, for the Dashboard and Models pages (any process).</summary>
public sealed class WorkerDirectory(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider clock)
{
    public async Task<IReadOnlyList<WorkerView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await db.WorkerHeartbeats.AsNoTracking().OrderBy(w => w.Name).ToListAsync(cancellationToken);
        return rows.Select(r => new WorkerView(r, r.StateAt(now), r.Models()))
            .OrderBy(w => w.State).ThenBy(w => w.Heartbeat.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Names of the online workers that have <paramref name="modelName"/> loaded.</summary>
    public static IReadOnlyList<string> WorkersWithModel(IEnumerable<WorkerView> workers, string modelName) =>
        workers.Where(w => w.State == WorkerState.Online && w.Models.Any(m => m.Name == modelName)).Select(w => w.Heartbeat.Name).ToList();
}

public sealed record WorkerView(WorkerHeartbeat Heartbeat, WorkerState State, IReadOnlyList<WorkerModel> Models);
