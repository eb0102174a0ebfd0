namespace GptOssWorkbench.Web.Tests.Jobs;

using System.Text;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Embedded mode (real SQLite file, in-memory Hangfire): queued runs whose job vanished while the web app keeps running
/// are enqueued again by <see cref="RunQueueSweep"/>; runs with a live job and runs of paused batches are left alone.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class QueueSweepTests
{
    /// <summary>A host whose sweep ticks every 300 ms; start-up recovery is off so only the sweep can enqueue old runs.</summary>
    /// <remarks>"Old" runs are backdated ten minutes; the default of five minutes keeps a run inserted "now" young for
    /// the whole test even on a loaded runner (30 s was reachable: the young run was then swept and run).</remarks>
    internal static Dictionary<string, string?> SweepSettings(string after = "00:05:00")
    {
        var settings = TinyModel.Settings();
        settings["Pipeline:RecoverOnStart"] = "false";
        settings["Pipeline:QueueSweepInterval"] = "00:00:00.300";
        settings["Pipeline:QueueSweepAfter"] = after;
        return settings;
    }

    [Fact]
    public async Task Queued_runs_whose_job_was_deleted_or_never_enqueued_are_run_by_the_sweep_and_finish_once()
    {
        await using var host = WorkbenchHost.Start(_ => SweepSettings());
        var services = host.Services;
        var jobs = services.GetRequiredService<IBackgroundJobClient>();
        var tenMinutesAgo = DateTime.UtcNow.AddMinutes(-10);

        // Deleted from the Hangfire dashboard before a worker took it (scheduled first, so no worker can take it before the delete).
        // Inserted young and aged together with its job id, so no sweep can see it old without its job.
        var deletedJobRun = await InsertQueuedRunAsync(services, "first", DateTime.UtcNow);
        var deletedJob = jobs.Schedule<InferenceJob>(j => j.RunAsync(deletedJobRun, null, CancellationToken.None), TimeSpan.FromHours(1));
        Assert.True(jobs.Delete(deletedJob));
        await SetJobIdAsync(services, deletedJobRun, deletedJob, createdAt: tenMinutesAgo);
        // Written just before the queue failed: never got a job.
        var neverEnqueuedRun = await InsertQueuedRunAsync(services, "second", tenMinutesAgo);
        // Written a moment ago, its launcher about to enqueue it: younger than Pipeline:QueueSweepAfter, not the sweep's business.
        var youngRun = await InsertQueuedRunAsync(services, "third", DateTime.UtcNow);

        var first = await PipelineWaits.WaitForFinishAsync(services, deletedJobRun);
        var second = await PipelineWaits.WaitForFinishAsync(services, neverEnqueuedRun);
        foreach (var run in new[] { first, second })
        {
            Assert.Equal(RunStatus.Succeeded, run.Status);
            Assert.Equal(1, run.AttemptCount);
            Assert.True(run.OutputTokens > 0);
            Assert.NotNull(run.JobId);
            Assert.NotEqual(deletedJob, run.JobId);
            await WaitForJobStateAsync(services, run.JobId!, "Succeeded");
        }
        Assert.Equal("Deleted", JobState(services, deletedJob));

        var log = host.Logs.All;
        Assert.Contains($"run {deletedJobRun} (queued since", log);
        Assert.Contains($"job {deletedJob}: Deleted)", log);
        Assert.Contains($"run {neverEnqueuedRun} (queued since", log);
        Assert.Contains("job none: missing)", log);
        Assert.DoesNotContain($"run {youngRun} ", log);

        await Task.Delay(1000); // a few more sweeps: nothing is enqueued twice, the young run is still not touched
        var young = await PipelineWaits.WaitForRunAsync(services, youngRun, _ => true);
        Assert.Equal(RunStatus.Queued, young.Status);
        Assert.Null(young.JobId);
        var again = await PipelineWaits.WaitForRunAsync(services, deletedJobRun, _ => true);
        Assert.Equal(1, again.AttemptCount);
        Assert.Equal(first.JobId, again.JobId);
    }

    [Fact]
    public async Task A_run_whose_job_is_alive_is_not_enqueued_again()
    {
        await using var host = WorkbenchHost.Start(_ => SweepSettings());
        var services = host.Services;
        var jobs = services.GetRequiredService<IBackgroundJobClient>();
        var tenMinutesAgo = DateTime.UtcNow.AddMinutes(-10);

        // Alive but waiting: a job scheduled for later (Hangfire's retries wait like this).
        var waitingRun = await InsertQueuedRunAsync(services, "waiting", DateTime.UtcNow);
        var waitingJob = jobs.Schedule<InferenceJob>(j => j.RunAsync(waitingRun, null, CancellationToken.None), TimeSpan.FromHours(1));
        await SetJobIdAsync(services, waitingRun, waitingJob, createdAt: tenMinutesAgo);
        // The control: a lost run inserted after it. Once the sweep has run this one, it has looked at the waiting one too.
        var lostRun = await InsertQueuedRunAsync(services, "lost", tenMinutesAgo);
        await PipelineWaits.WaitForFinishAsync(services, lostRun);
        await Task.Delay(1000);

        // Any second job would have run it on this host's job server.
        var waiting = await PipelineWaits.WaitForRunAsync(services, waitingRun, _ => true);
        Assert.Equal(RunStatus.Queued, waiting.Status);
        Assert.Equal(waitingJob, waiting.JobId);
        Assert.Equal("Scheduled", JobState(services, waitingJob));
        Assert.DoesNotContain($"run {waitingRun} ", host.Logs.All);

        // Its own job still runs it, once.
        Assert.True(jobs.Requeue(waitingJob));
        var finished = await PipelineWaits.WaitForFinishAsync(services, waitingRun);
        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.Equal(1, finished.AttemptCount);
        Assert.Equal(waitingJob, finished.JobId);
    }

    [Fact]
    public async Task Enqueued_jobs_and_paused_batches_stay_as_they_are_and_a_later_sweep_continues_after_a_full_batch()
    {
        // No job server: enqueued jobs stay Enqueued, so every state below holds still while the sweep is called by hand.
        var settings = SweepSettings(after: "00:00:00.500");
        settings["Jobs:RunServerInProcess"] = "false";
        settings["Pipeline:QueueSweepInterval"] = "00:00:00";
        settings["Pipeline:QueueSweepBatchSize"] = "2";
        await using var host = WorkbenchHost.Start(_ => settings);
        var services = host.Services;
        var sweep = services.GetRequiredService<RunQueueSweep>();
        var jobs = services.GetRequiredService<IBackgroundJobClient>();

        var chat = await services.GetRequiredService<RunLauncher>().SendChatMessageAsync(
            new ChatMessageRequest(null, "hello", new RunSettings { ModelName = TinyModel.Name, MaxTokens = 8 }));
        var batches = services.GetRequiredService<BatchService>();
        var batch = await batches.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes("prompt\none\ntwo\nthree\n")), "three.csv",
            new BatchImportRequest { Name = "paused", Matrix = new BatchMatrix { Models = [TinyModel.Name] } });
        await batches.PauseAsync(batch.Id);
        var batchRuns = await RunsAsync(services, r => r.BatchJobId == batch.Id);
        Assert.Equal(3, batchRuns.Count);
        // Jobs of a paused batch that Hangfire lost meanwhile: still the batch's business (resume enqueues), not the sweep's.
        foreach (var run in batchRuns) Assert.True(jobs.Delete(run.JobId!));
        var chatJob = (await RunsAsync(services, r => r.Id == chat.RunId)).Single().JobId!;
        Assert.Equal("Enqueued", JobState(services, chatJob));
        await Task.Delay(700);

        Assert.Empty(await sweep.SweepAsync());
        Assert.Empty(await sweep.SweepAsync());
        Assert.Equal(chatJob, (await RunsAsync(services, r => r.Id == chat.RunId)).Single().JobId);
        Assert.Equal(batchRuns.Select(r => r.JobId), (await RunsAsync(services, r => r.BatchJobId == batch.Id)).Select(r => r.JobId));

        // The chat run's job vanishes; the batch is resumed (new jobs), then its last run's new job vanishes too.
        Assert.True(jobs.Delete(chatJob));
        await batches.ResumeAsync(batch.Id);
        var resumed = await RunsAsync(services, r => r.BatchJobId == batch.Id);
        foreach (var run in resumed)
        {
            Assert.NotEqual(batchRuns.Single(b => b.Id == run.Id).JobId, run.JobId);
            Assert.Equal("Enqueued", JobState(services, run.JobId!));
        }
        Assert.True(jobs.Delete(resumed[2].JobId!));

        // Batch size 2: the first sweep checks the chat run and the first batch run, the next one continues after them,
        // the one after that finds nothing further and starts over.
        Assert.Equal([chat.RunId], await sweep.SweepAsync());
        Assert.Equal([resumed[2].Id], await sweep.SweepAsync());
        Assert.Empty(await sweep.SweepAsync());
        Assert.Empty(await sweep.SweepAsync());
        foreach (var (runId, lostJob) in new[] { (chat.RunId, chatJob), (resumed[2].Id, resumed[2].JobId!) })
        {
            var rescued = (await RunsAsync(services, r => r.Id == runId)).Single();
            Assert.Equal(RunStatus.Queued, rescued.Status);
            Assert.NotEqual(lostJob, rescued.JobId);
            Assert.Equal("Enqueued", JobState(services, rescued.JobId!));
        }
    }

    internal static async Task<long> InsertQueuedRunAsync(IServiceProvider services, string prompt, DateTime createdAt)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var run = new Run
        {
            Source = RunSource.Api, PromptText = prompt, CreatedAt = createdAt,
            Manifest = new RunSettings { ModelName = TinyModel.Name, MaxTokens = 8 }.ToManifest(),
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    /// <summary>Records a job on a run, and with <paramref name="createdAt"/> moves its creation back in the same statement.</summary>
    internal static async Task SetJobIdAsync(IServiceProvider services, long runId, string jobId, DateTime? createdAt = null)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.JobId, jobId)
            .SetProperty(r => r.CreatedAt, r => createdAt ?? r.CreatedAt));
    }

    internal static async Task<List<Run>> RunsAsync(IServiceProvider services, System.Linq.Expressions.Expression<Func<Run, bool>> where)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Runs.AsNoTracking().Where(where).OrderBy(r => r.Id).ToListAsync();
    }

    internal static string? JobState(IServiceProvider services, string jobId)
    {
        using var connection = services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetJobData(jobId)?.State;
    }

    /// <summary>The job moves to its final state just after the run's row is written.</summary>
    private static async Task WaitForJobStateAsync(IServiceProvider services, string jobId, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (JobState(services, jobId) != state)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Job {jobId} is {JobState(services, jobId)}, not {state}.");
            await Task.Delay(50);
        }
    }
}
