namespace GptOssWorkbench.Web.Tests.Jobs;

using System.Collections.Concurrent;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>Polling helpers over the real database of a host (the source of truth), with a deadline.</summary>
public static class PipelineWaits
{
    public static async Task<Run> WaitForRunAsync(IServiceProvider services, long runId, Func<Run, bool> until, int seconds = 60)
    {
        var factory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            await using (var db = await factory.CreateDbContextAsync())
            {
                var run = await db.Runs.AsNoTracking().Include(r => r.Messages).FirstAsync(r => r.Id == runId);
                if (until(run)) return run;
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {runId} is still {run.Status} after {seconds} s.");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for a run that may not exist yet (created by another host's request, say) to exist and match.</summary>
    public static async Task<Run> WaitForAnyRunAsync(IServiceProvider services, Func<Run, bool> until, int seconds = 60)
    {
        var factory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            await using (var db = await factory.CreateDbContextAsync())
            {
                var runs = await db.Runs.AsNoTracking().ToListAsync();
                if (runs.FirstOrDefault(until) is { } run) return run;
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"No matching run after {seconds} s ({runs.Count} runs).");
            }
            await Task.Delay(100);
        }
    }

    public static async Task<GptOssWorkbench.Data.Models.ModelDownload> WaitForDownloadAsync(IServiceProvider services, long downloadId,
        Func<GptOssWorkbench.Data.Models.ModelDownload, bool> until, int seconds = 60)
    {
        var factory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            await using (var db = await factory.CreateDbContextAsync())
            {
                var download = await db.ModelDownloads.AsNoTracking().FirstAsync(d => d.Id == downloadId);
                if (until(download)) return download;
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"Download {downloadId} is still {download.Status} after {seconds} s ({download.Error}).");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the batch's progress to match; the timeout names the progress and the host's log.</summary>
    public static async Task<BatchProgress> WaitForBatchAsync(WorkbenchHost host, long batchId, Func<BatchProgress, bool> until, int seconds = 90)
    {
        var batches = host.Services.GetRequiredService<BatchService>();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var progress = await batches.GetProgressAsync(batchId);
            if (until(progress)) return progress;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Batch {batchId}: {progress}\n{host.Logs.All}");
            await Task.Delay(100);
        }
    }

    public static Task<Run> WaitForFinishAsync(IServiceProvider services, long runId, int seconds = 60) =>
        WaitForRunAsync(services, runId, r => r.IsFinished, seconds);

    /// <summary>Records every update of the host, in order.</summary>
    public sealed class Recorder : IDisposable
    {
        private readonly IDisposable subscription;

        public Recorder(IServiceProvider services) =>
            subscription = services.GetRequiredService<RunUpdates>().SubscribeAll(u => Updates.Enqueue(u));

        public ConcurrentQueue<RunUpdate> Updates { get; } = new();

        public List<RunUpdate> Of(long runId) => Updates.Where(u => u.RunId == runId).ToList();

        public async Task<T> WaitForAsync<T>(long runId, int seconds = 60) where T : RunUpdate
        {
            var deadline = DateTime.UtcNow.AddSeconds(seconds);
            while (DateTime.UtcNow < deadline)
            {
                if (Of(runId).OfType<T>().FirstOrDefault() is { } found) return found;
                await Task.Delay(20);
            }
            throw new TimeoutException($"No {typeof(T).Name} for run {runId} within {seconds} s.");
        }

        public void Dispose() => subscription.Dispose();
    }
}
