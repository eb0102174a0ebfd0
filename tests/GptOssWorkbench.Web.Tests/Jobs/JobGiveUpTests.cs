namespace GptOssWorkbench.Web.Tests.Jobs;

using System.Text;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Tests.Hosting;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Embedded mode (real SQLite file, in-memory Hangfire): an InferenceJob that throws something unexpected is retried by
/// Hangfire, and when Hangfire gives up the run ends instead of staying Running forever. The unexpected exception is a
/// real database error: a SQLite trigger refuses to store any run as Succeeded, so every attempt generates its tokens
/// and then fails while saving the result. Hangfire's retry waits (15 s and more) are skipped by requeuing the
/// scheduled retry, which keeps the job's retry count.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class JobGiveUpTests
{
    private const string TriggerError = "disk refuses successes";

    [Fact]
    public Task A_job_that_throws_on_every_attempt_ends_its_run_failed_after_the_last_retry_and_counts_it_in_the_batch() =>
        RunFailsAfterTheLastRetryAsync(Settings());

    /// <summary>The whole give-up story on a host with these settings (embedded here, PostgreSQL in JobGiveUpPostgresTests).</summary>
    internal static async Task RunFailsAfterTheLastRetryAsync(Dictionary<string, string?> settings)
    {
        await using var host = WorkbenchHost.Start(_ => settings);
        var services = host.Services;
        using var recorder = new PipelineWaits.Recorder(services);
        await RefuseSuccessesAsync(services);
        var batch = await services.GetRequiredService<BatchService>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes("prompt\nhello\n")),
            "one.csv", new BatchImportRequest { Name = "doomed", Matrix = new BatchMatrix { Models = [TinyModel.Name] } }, new BatchRunOptions(MaxTokens: 4));
        var runId = (await QueueSweepTests.RunsAsync(services, r => r.BatchJobId == batch.Id)).Single().Id;
        var jobId = (await QueueSweepTests.RunsAsync(services, r => r.Id == runId)).Single().JobId!;

        // Every retry Hangfire schedules is a retryable attempt: the run must still be Running (this job's) then.
        var retries = 0;
        while (await NextSettledStateAsync(services, jobId, retries) is "Scheduled")
        {
            var waiting = (await QueueSweepTests.RunsAsync(services, r => r.Id == runId)).Single();
            Assert.Equal(RunStatus.Running, waiting.Status);
            Assert.EndsWith($" job {jobId}", waiting.WorkerName);
            retries++;
            Assert.True(services.GetRequiredService<IBackgroundJobClient>().Requeue(jobId));
        }
        Assert.Equal("Failed", QueueSweepTests.JobState(services, jobId));
        Assert.Equal(InferenceJob.RetryAttempts, retries);

        var run = await PipelineWaits.WaitForRunAsync(services, runId, r => true);
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("error", run.FinishReason);
        Assert.Equal(retries + 1, run.AttemptCount);
        Assert.StartsWith($"The job failed after {retries + 1} attempts: ", run.Error);
        Assert.Contains(TriggerError, run.Error);
        Assert.NotNull(run.FinishedAt);
        // Whatever the last flush stored, the stats describe exactly that output.
        Assert.Equal(run.OutputTokens, run.Messages.Sum(m => m.TokenCount));

        await using (var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var counted = await db.BatchJobs.AsNoTracking().SingleAsync(b => b.Id == batch.Id);
            Assert.Equal(1, counted.FailedCount);
            Assert.Equal(0, counted.SucceededCount);
            Assert.NotEqual(BatchStatus.Running, counted.Status);
            Assert.NotNull(counted.FinishedAt);
        }

        var finished = await recorder.WaitForAsync<RunFinished>(runId);
        Assert.Equal(RunStatus.Failed, finished.Status);
        Assert.Equal(run.Error, finished.Error);
        Assert.Equal(batch.Id, finished.BatchJobId);
        Assert.Single(recorder.Of(runId).OfType<RunFinished>());
    }

    [Fact]
    public async Task A_job_that_throws_only_on_its_first_attempt_succeeds_on_the_retry()
    {
        await using var host = WorkbenchHost.Start(_ => Settings());
        var services = host.Services;
        var (runId, jobId) = await FailFirstAttemptAsync(services);

        await AllowSuccessesAsync(services);
        Assert.True(services.GetRequiredService<IBackgroundJobClient>().Requeue(jobId));

        var run = await PipelineWaits.WaitForFinishAsync(services, runId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Null(run.Error);
        Assert.Equal(2, run.AttemptCount);
        Assert.True(run.OutputTokens > 0);
        Assert.Equal("Succeeded", await NextSettledStateAsync(services, jobId, 1));
    }

    [Fact]
    public async Task A_run_cancelled_while_its_job_waits_for_a_retry_ends_cancelled()
    {
        await using var host = WorkbenchHost.Start(_ => Settings());
        var services = host.Services;
        var (runId, jobId) = await FailFirstAttemptAsync(services);

        Assert.True(await services.GetRequiredService<RunControl>().CancelAsync(runId));
        // The retry would now succeed: only the cancel can stop it.
        await AllowSuccessesAsync(services);
        Assert.True(services.GetRequiredService<IBackgroundJobClient>().Requeue(jobId));

        await NextSettledStateAsync(services, jobId, 1);
        var run = await PipelineWaits.WaitForFinishAsync(services, runId);
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Equal("cancelled", run.FinishReason);
        Assert.Null(run.Error);
    }

    internal static Dictionary<string, string?> Settings()
    {
        var settings = TinyModel.Settings();
        // Nothing but the job and the test may enqueue or end this run.
        settings["Pipeline:RecoverOnStart"] = "false";
        settings["Pipeline:QueueSweepInterval"] = "00:00:00";
        return settings;
    }

    /// <summary>A chat run whose first attempt has thrown; Hangfire has scheduled the retry and the run is still Running.</summary>
    private static async Task<(long RunId, string JobId)> FailFirstAttemptAsync(IServiceProvider services)
    {
        await RefuseSuccessesAsync(services);
        var turn = await services.GetRequiredService<RunLauncher>().SendChatMessageAsync(
            new ChatMessageRequest(null, "hello", new RunSettings { ModelName = TinyModel.Name, MaxTokens = 4 }));
        var jobId = (await QueueSweepTests.RunsAsync(services, r => r.Id == turn.RunId)).Single().JobId!;
        Assert.Equal("Scheduled", await NextSettledStateAsync(services, jobId, 0));
        var waiting = (await QueueSweepTests.RunsAsync(services, r => r.Id == turn.RunId)).Single();
        Assert.Equal(RunStatus.Running, waiting.Status);
        return (turn.RunId, jobId);
    }

    private static async Task RefuseSuccessesAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        if (db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true)
        {
            await db.Database.ExecuteSqlRawAsync(
                $"CREATE FUNCTION refuse_successes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{TriggerError}'; END $$");
            await db.Database.ExecuteSqlRawAsync("""
                CREATE TRIGGER refuse_successes BEFORE UPDATE OF "Status" ON "Runs"
                FOR EACH ROW WHEN (NEW."Status" = 'Succeeded') EXECUTE FUNCTION refuse_successes()
                """);
            return;
        }
        await db.Database.ExecuteSqlRawAsync(
            $"CREATE TRIGGER refuse_successes BEFORE UPDATE OF Status ON Runs WHEN NEW.Status = 'Succeeded' BEGIN SELECT RAISE(ABORT, '{TriggerError}'); END");
    }

    private static async Task AllowSuccessesAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER refuse_successes");
    }

    /// <summary>
    /// Waits until the job has settled after its attempt number <paramref name="retries"/> (Scheduled for a retry,
    /// Failed or Succeeded). A scheduled retry only counts once Hangfire recorded it (its RetryCount parameter).
    /// </summary>
    private static async Task<string> NextSettledStateAsync(IServiceProvider services, string jobId, int retries)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            using (var connection = services.GetRequiredService<JobStorage>().GetConnection())
            {
                var state = connection.GetJobData(jobId)?.State;
                var retryCount = int.TryParse(connection.GetJobParameter(jobId, "RetryCount"), out var count) ? count : 0;
                if (state is "Failed" or "Succeeded" || (state is "Scheduled" && retryCount == retries + 1)) return state;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"Job {jobId} did not settle after attempt {retries + 1}: {QueueSweepTests.JobState(services, jobId)}.");
    }
}
