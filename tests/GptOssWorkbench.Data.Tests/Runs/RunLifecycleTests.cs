namespace GptOssWorkbench.Data.Tests.Runs;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

public class RunLifecycleTests
{
    [Fact]
    public async Task A_run_goes_queued_running_succeeded_with_timings_stats_and_output_stored()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        var started = TestData.Now.AddSeconds(2);
        var finished = TestData.Now.AddSeconds(9);
        long runId;
        await using (var db = database.NewContext())
        {
            var run = TestData.QueuedRun("Why is the sky blue?");
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            runId = run.Id;
            Assert.Equal(RunStatus.Queued, run.Status);
        }

        await using (var db = database.NewContext())
        {
            var run = await db.Runs.SingleAsync(r => r.Id == runId);
            run.MoveTo(RunStatus.Running, started);
            run.WorkerName = "worker-1";
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var run = await db.Runs.SingleAsync(r => r.Id == runId);
            run.Messages.Add(TestData.Output(MessageChannels.Analysis, "Rayleigh scattering goes as 1/λ⁴.", 0));
            run.Messages.Add(TestData.Output(MessageChannels.Final, "Blue light scatters more.", 1));
            run.PromptTokens = 80;
            run.OutputTokens = 40;
            run.ReasoningTokens = 25;
            run.TimeToFirstTokenMs = 120.5;
            run.TokensPerSecond = 33.25;
            run.FinishReason = "stop";
            run.MoveTo(RunStatus.Succeeded, finished);
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var run = await db.Runs.Include(r => r.Messages).SingleAsync(r => r.Id == runId);
            Assert.Equal(RunStatus.Succeeded, run.Status);
            Assert.Equal(started, run.StartedAt);
            Assert.Equal(finished, run.FinishedAt);
            Assert.Equal(1, run.AttemptCount);
            Assert.Equal("worker-1", run.WorkerName);
            Assert.Equal((80, 40, 25), (run.PromptTokens, run.OutputTokens, run.ReasoningTokens));
            Assert.Equal(120.5, run.TimeToFirstTokenMs);
            Assert.Equal(33.25, run.TokensPerSecond);
            Assert.Equal("stop", run.FinishReason);
            Assert.Equal(["analysis", "final"], run.Messages.OrderBy(m => m.Order).Select(m => m.Channel).ToList());
            // Three saves of an existing row: queued→running, then output + succeeded.
            Assert.Equal(2, run.Version);
            Assert.Contains("rayleigh scattering", run.SearchText);
            Assert.Contains("blue light scatters more.", run.SearchText);
            // Stored as names, not numbers.
            var status = await db.Database.SqlQuery<string>($"SELECT \"Status\" AS \"Value\" FROM \"Runs\" WHERE \"Id\" = {runId}").SingleAsync();
            Assert.Equal("Succeeded", status);
        }
    }

    [Fact]
    public async Task A_stale_status_update_fails_and_the_first_writer_wins()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        long runId;
        await using (var db = database.NewContext())
        {
            var run = TestData.QueuedRun("race");
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            runId = run.Id;
        }

        // Two workers (or a worker and a cancel) read the same queued run.
        await using var worker = database.NewContext();
        await using var canceller = database.NewContext();
        var workerCopy = await worker.Runs.SingleAsync(r => r.Id == runId);
        var cancellerCopy = await canceller.Runs.SingleAsync(r => r.Id == runId);

        workerCopy.MoveTo(RunStatus.Running, TestData.Now);
        await worker.SaveChangesAsync();

        cancellerCopy.MoveTo(RunStatus.Cancelled, TestData.Now);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => canceller.SaveChangesAsync());

        await using var check = database.NewContext();
        var stored = await check.Runs.SingleAsync(r => r.Id == runId);
        Assert.Equal(RunStatus.Running, stored.Status);
        Assert.Null(stored.FinishedAt);
    }

    [Fact]
    public async Task Cancellation_flag_set_with_ExecuteUpdate_does_not_make_the_worker_save_fail()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using var worker = database.NewContext();
        var run = TestData.QueuedRun("long one");
        worker.Runs.Add(run);
        await worker.SaveChangesAsync();

        await using (var ui = database.NewContext())
            await ui.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.CancellationRequested, true));

        run.MoveTo(RunStatus.Running, TestData.Now);
        await worker.SaveChangesAsync();

        await using var check = database.NewContext();
        var stored = await check.Runs.SingleAsync(r => r.Id == run.Id);
        Assert.True(stored.CancellationRequested);
        Assert.Equal(RunStatus.Running, stored.Status);
    }

    [Theory]
    [InlineData(RunStatus.Queued, RunStatus.Succeeded)]
    [InlineData(RunStatus.Succeeded, RunStatus.Running)]
    [InlineData(RunStatus.Succeeded, RunStatus.Queued)]
    [InlineData(RunStatus.Failed, RunStatus.Running)]
    [InlineData(RunStatus.Running, RunStatus.Running)]
    public void Transitions_outside_the_lifecycle_are_refused(RunStatus from, RunStatus to)
    {
        var run = RunIn(from);
        var error = Assert.Throws<InvalidRunTransitionException>(() => run.MoveTo(to, TestData.Now));
        Assert.Contains($"from {from} to {to}", error.Message);
        Assert.Equal(from, run.Status);
    }

    [Fact]
    public void Retry_clears_the_previous_outcome_and_counts_the_attempt()
    {
        var run = RunIn(RunStatus.Failed);
        run.Error = "CUDA out of memory";
        run.FinishReason = "error";
        run.CancellationRequested = true;

        run.MoveTo(RunStatus.Queued, TestData.Now);
        Assert.Null(run.Error);
        Assert.Null(run.FinishReason);
        Assert.Null(run.StartedAt);
        Assert.Null(run.FinishedAt);
        Assert.False(run.CancellationRequested);

        run.MoveTo(RunStatus.Running, TestData.Now.AddMinutes(1));
        Assert.Equal(2, run.AttemptCount);
        Assert.Equal(TestData.Now.AddMinutes(1), run.StartedAt);
    }

    private static Run RunIn(RunStatus status)
    {
        var run = TestData.QueuedRun("p");
        switch (status)
        {
            case RunStatus.Queued:
                break;
            case RunStatus.Running:
                run.MoveTo(RunStatus.Running, TestData.Now);
                break;
            default:
                run.MoveTo(RunStatus.Running, TestData.Now);
                run.MoveTo(status, TestData.Now);
                break;
        }
        return run;
    }
}
