namespace GptOssWorkbench.Web.Tests.Jobs;

using System.Text;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Pipeline.Workers;
using GptOssWorkbench.Data.Workers;
using GptOssWorkbench.Web.Tests.Hosting;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Distributed mode for real: a private PostgreSQL, the web app (no job server of its own) and two worker
/// processes. One worker is killed mid-batch; every item must still complete, exactly once.
/// </summary>
public sealed class DistributedBatchTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task A_batch_across_two_workers_completes_exactly_once_when_one_worker_is_killed()
    {
        var settings = TinyModel.Settings();
        postgres.Configure(settings);
        settings["Jobs:RunServerInProcess"] = "false";
        await using var web = WorkbenchHost.Start(_ => settings);

        var environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = "PostgreSQL",
            ["Database__ConnectionString"] = postgres.ConnectionString,
            ["Models__Folders__0__Name"] = TinyModel.Name,
            ["Models__Folders__0__Path"] = TinyModel.FolderPath,
            ["Models__CreateDemoModel"] = "false",
            ["Jobs__WorkerCount"] = "3",
            ["Jobs__InvisibilityTimeout"] = "00:00:05",
            ["Pipeline__OutputFlushInterval"] = "00:00:00.200",
            ["Pipeline__HeartbeatInterval"] = "00:00:00.500",
            ["Workbench__DataDirectory"] = Path.Combine(web.TempDirectory, "worker-data"),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Hangfire"] = "Information",
        };
        using var first = WorkerProcess.Start("w1", environment, web.TempDirectory);
        using var second = WorkerProcess.Start("w2", environment, web.TempDirectory);
        var monitoring = web.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        await Until(() => monitoring.Servers().Count == 2, 60, () => $"workers did not register.\nw1:\n{first.Log()}\nw2:\n{second.Log()}");
        // Both worker processes report themselves through the shared database; the web app runs no jobs, so it does not.
        var directory = web.Services.GetRequiredService<WorkerDirectory>();
        IReadOnlyList<WorkerView> workers = [];
        await Until(async () => (workers = await directory.ListAsync()).Count(w => w.State == WorkerState.Online) == 2, 30,
            () => $"worker heartbeats: {string.Join(", ", workers.Select(w => $"{w.Heartbeat.Name} {w.State}"))}");
        Assert.Equal(["w1", "w2"], workers.Select(w => w.Heartbeat.Name).Order());
        Assert.Equal(first.ProcessId, workers.Single(w => w.Heartbeat.Name == "w1").Heartbeat.ProcessId);
        Assert.Equal(second.ProcessId, workers.Single(w => w.Heartbeat.Name == "w2").Heartbeat.ProcessId);
        Assert.All(workers, w => Assert.Equal("cpu", w.Heartbeat.Device));

        using var recorder = new PipelineWaits.Recorder(web.Services);
        // More items than the two workers' job slots, so w1 keeps starting new ones after its first finish; 40 tokens
        // each so a run lasts much longer than the moment between seeing it running and killing its worker.
        var prompts = string.Join("\n", Enumerable.Range(1, 40).Select(i => $"question {i}"));
        var batch = await web.Services.GetRequiredService<BatchService>().ImportAsync(
            new MemoryStream(Encoding.UTF8.GetBytes("prompt\n" + prompts + "\n")), "forty.csv",
            new BatchImportRequest { Name = "distributed", Matrix = new BatchMatrix { Models = [TinyModel.Name] } }, new BatchRunOptions(MaxTokens: 40));

        var factory = web.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        async Task<List<Run>> RunsAsync()
        {
            await using var db = await factory.CreateDbContextAsync();
            return await db.Runs.AsNoTracking().Include(r => r.Messages).Where(r => r.BatchJobId == batch.Id).ToListAsync();
        }
        static bool On(Run r, string worker) => r.WorkerName?.StartsWith(worker + " job ", StringComparison.Ordinal) == true;

        // Kill w1 once it has finished something and is in the middle of something else.
        List<Run> atKill = [];
        await Until(async () =>
        {
            atKill = await RunsAsync();
            // A running run with no output flushed yet has just started, so it cannot commit its end before the kill.
            return atKill.Any(r => On(r, "w1") && r.Status == RunStatus.Succeeded)
                && atKill.Any(r => On(r, "w1") && r.Status == RunStatus.Running && r.OutputTokens == 0);
        }, 90, () => $"w1 never had finished and running items at once.\nw1:\n{first.Log()}");
        first.Kill();
        // Read again now that w1 is dead: a run seen running above may have committed its final state in the
        // moment before the kill, and then it is w1's finished work, not an interrupted one.
        atKill = await RunsAsync();
        var finishedByFirst = atKill.Where(r => On(r, "w1") && r.Status == RunStatus.Succeeded).ToDictionary(r => r.Id);
        var interrupted = atKill.Where(r => On(r, "w1") && r.Status == RunStatus.Running).Select(r => r.Id).ToList();

        var progress = web.Services.GetRequiredService<BatchService>();
        await Until(async () => (await progress.GetProgressAsync(batch.Id)).Status == BatchStatus.Completed, 120,
            () => $"batch did not complete: {progress.GetProgressAsync(batch.Id).Result}\n{HangfireRowsOfOpenRuns(RunsAsync().Result)}\nw1:\n{first.Log()}\nw2:\n{second.Log()}");

        var runs = await RunsAsync();
        Assert.Equal(40, runs.Count);
        Assert.All(runs, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.All(runs, r => Assert.Equal(r.OutputTokens, r.Messages.Sum(m => m.TokenCount)));
        Assert.All(runs, r => Assert.Equal(r.Messages.Count, r.Messages.Select(m => m.Order).Distinct().Count()));
        // Nothing w1 finished was lost or redone.
        foreach (var (id, before) in finishedByFirst)
        {
            var after = runs.Single(r => r.Id == id);
            Assert.Equal(before.WorkerName, after.WorkerName);
            Assert.Equal(1, after.AttemptCount);
            Assert.Equal(before.Messages.Select(m => m.Content), after.Messages.OrderBy(m => m.Order).Select(m => m.Content));
        }
        // What w1 was running when it died was taken over by w2: a second attempt of the same job, not a new run.
        Assert.NotEmpty(interrupted);
        foreach (var id in interrupted)
        {
            var after = runs.Single(r => r.Id == id);
            Assert.True(On(after, "w2"), $"run {id} finished on {after.WorkerName}");
            Assert.Equal(2, after.AttemptCount);
        }
        await using (var db = await factory.CreateDbContextAsync())
        {
            Assert.Equal(40, await db.BatchItems.CountAsync(i => i.BatchJobId == batch.Id));
            Assert.Equal(40, await db.Runs.Where(r => r.BatchJobId == batch.Id).Select(r => r.BatchItemId).Distinct().CountAsync());
        }

        // Live updates crossed from the worker processes to the web process (LISTEN/NOTIFY).
        await Until(() => runs.All(r => recorder.Of(r.Id).OfType<RunFinished>().Any()), 30, () => "not every RunFinished reached the web process");
        Assert.Contains(recorder.Updates, u => u is RunDelta);
        Assert.False(second.HasExited, second.Log());

        // The surviving worker reports the model it loaded, with the fingerprint the runs recorded.
        await Until(async () => WorkerDirectory.WorkersWithModel(workers = await directory.ListAsync(), TinyModel.Name).Contains("w2"), 30,
            () => $"w2 does not report {TinyModel.Name} loaded");
        var reported = workers.Single(w => w.Heartbeat.Name == "w2").Models.Single(m => m.Name == TinyModel.Name);
        Assert.Equal(runs[0].Manifest.WeightsFingerprint, reported.WeightsFingerprint);
        Assert.True(reported.KvBlocksTotal > 0);
    }

    /// <summary>
    /// Diagnostics for a stuck batch: the Hangfire rows (job, queue entry, states) of every unfinished run, and the
    /// lock rows (a killed worker leaves its job state locks behind).
    /// </summary>
    private string HangfireRowsOfOpenRuns(List<Run> runs)
    {
        var text = new StringBuilder();
        using var connection = new Npgsql.NpgsqlConnection(postgres.ConnectionString);
        connection.Open();
        void Dump(string sql)
        {
            using var command = new Npgsql.NpgsqlCommand(sql, connection);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                text.AppendLine(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => $"{reader.GetName(i)}={reader.GetValue(i)}")));
        }
        foreach (var run in runs.Where(r => r.Status is RunStatus.Queued or RunStatus.Running))
        {
            text.AppendLine($"run {run.Id} {run.Status} worker={run.WorkerName} attempts={run.AttemptCount}");
            var jobs = $"select id from hangfire.job where arguments::text like '[\"{run.Id}\"%'";
            Dump($"select id, statename, createdat from hangfire.job where id in ({jobs})");
            Dump($"select * from hangfire.jobqueue where jobid in ({jobs})");
            Dump($"select jobid, name, reason, createdat from hangfire.state where jobid in ({jobs}) order by id");
        }
        Dump("select queue, count(*), count(fetchedat) as fetched from hangfire.jobqueue group by queue");
        Dump("select * from hangfire.lock");
        Dump("select now()");
        return text.ToString();
    }

    private static async Task Until(Func<Task<bool>> condition, int seconds, Func<string> failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(failure());
            await Task.Delay(100);
        }
    }

    private static Task Until(Func<bool> condition, int seconds, Func<string> failure) => Until(() => Task.FromResult(condition()), seconds, failure);
}
