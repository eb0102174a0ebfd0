namespace GptOssWorkbench.Web.Tests.Jobs;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workers;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Workers;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>Worker heartbeats in embedded mode: the web process is the worker (the distributed case is in DistributedBatchTests).</summary>
[Collection(PipelineCollection.Name)]
public sealed class WorkerHeartbeatTests(PipelineHostFixture fixture)
{
    private readonly IServiceProvider services = fixture.Services;

    [Fact]
    public async Task The_embedded_web_process_reports_itself_with_its_loaded_model()
    {
        var turn = await services.GetRequiredService<RunLauncher>().SendChatMessageAsync(
            new ChatMessageRequest(null, "hi", new RunSettings { ModelName = TinyModel.Name, MaxTokens = 3 }));
        var run = await PipelineWaits.WaitForFinishAsync(services, turn.RunId);
        Assert.Equal(RunStatus.Succeeded, run.Status);

        var directory = services.GetRequiredService<WorkerDirectory>();
        WorkerView? me = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (me is null || me.Models.Count == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no heartbeat with the model: {me?.Heartbeat.LoadedModelsJson}");
            await Task.Delay(100);
            me = (await directory.ListAsync()).SingleOrDefault(w => w.Heartbeat.ProcessId == Environment.ProcessId && w.State == WorkerState.Online);
        }

        Assert.Equal(Environment.MachineName, me.Heartbeat.MachineName);
        Assert.Equal("cpu", me.Heartbeat.Device);
        var model = Assert.Single(me.Models);
        Assert.Equal(TinyModel.Name, model.Name);
        Assert.Equal(run.Manifest.WeightsFingerprint, model.WeightsFingerprint);
        Assert.True(model.KvBlocksTotal > 0);
        Assert.Equal(model.KvBlocksTotal, me.Heartbeat.KvBlocksTotal);
        Assert.Contains(me.Heartbeat.Name, WorkerDirectory.WorkersWithModel(await directory.ListAsync(), TinyModel.Name));
        // Fresh by the product's own measure; a tighter bound would time the test machine, not the heartbeat.
        Assert.True(DateTime.UtcNow - me.Heartbeat.LastSeenAt < WorkerHeartbeat.OfflineAfter);
    }

    [Fact]
    public async Task A_stale_row_reads_offline_a_stopped_one_stopped_and_a_day_old_one_is_pruned()
    {
        var now = DateTime.UtcNow;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var factory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            WorkerHeartbeat Row(string name, DateTime lastSeen, DateTime? stopped = null) => new()
            {
                Name = $"{name}-{suffix}", MachineName = "elsewhere", ProcessId = 1, Device = "cuda:0", Dtype = "bf16",
                StartedAt = lastSeen.AddHours(-1), LastSeenAt = lastSeen, StoppedAt = stopped,
            };
            var loaded = Row("busy", now.AddSeconds(-31));
            loaded.SetModels([new WorkerModel(TinyModel.Name, "abc", 1, 2, 1, 0, 5)]);
            db.WorkerHeartbeats.AddRange(loaded, Row("stopped", now.AddSeconds(-5), now.AddSeconds(-5)), Row("ancient", now.AddDays(-2)));
            await db.SaveChangesAsync();
        }

        await services.GetRequiredService<WorkerHeartbeatService>().BeatAsync(stopped: false, CancellationToken.None);
        var workers = await services.GetRequiredService<WorkerDirectory>().ListAsync();

        Assert.Equal(WorkerState.Offline, workers.Single(w => w.Heartbeat.Name == $"busy-{suffix}").State);
        Assert.Equal(WorkerState.Stopped, workers.Single(w => w.Heartbeat.Name == $"stopped-{suffix}").State);
        Assert.DoesNotContain(workers, w => w.Heartbeat.Name == $"ancient-{suffix}");
        // An offline worker's models do not count as loaded.
        Assert.DoesNotContain($"busy-{suffix}", WorkerDirectory.WorkersWithModel(workers, TinyModel.Name));
        Assert.Equal(WorkerState.Online, workers.Single(w => w.Heartbeat.ProcessId == Environment.ProcessId).State);
    }

    [Fact]
    public async Task A_clean_shutdown_marks_the_worker_stopped()
    {
        // The data folder outlives the host (its own temp folder is deleted on dispose).
        var data = Directory.CreateTempSubdirectory("workbench-heartbeat-").FullName;
        var workerName = $"embedded-{Guid.NewGuid():N}";
        try
        {
            await using (var host = WorkbenchHost.Start(_ =>
            {
                var settings = TinyModel.Settings(data);
                settings["Pipeline:WorkerName"] = workerName;
                return settings;
            }))
            {
                await host.Services.GetRequiredService<WorkerHeartbeatService>().BeatAsync(stopped: false, CancellationToken.None);
            }

            var builder = new DbContextOptionsBuilder<WorkbenchDbContext>();
            WorkbenchDatabase.Configure(builder, DatabaseTarget.Sqlite(Path.Combine(data, "workbench.db")));
            await using var db = new WorkbenchDbContext(builder.Options);
            var row = await db.WorkerHeartbeats.SingleAsync(w => w.Name == workerName);
            Assert.NotNull(row.StoppedAt);
            Assert.Equal(WorkerState.Stopped, row.StateAt(DateTime.UtcNow));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
