namespace GptOssWorkbench.Web.Tests.Jobs;

using System.Text;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

/// <summary>
/// A worker killed while Hangfire moved a job to Processing leaves that job's state-lock row behind (Hangfire.PostgreSql
/// locks are rows only their holder deletes). The job comes back after the invisibility timeout; the lock must expire
/// by then too, or the run stays queued for the library's default ten minutes.
/// </summary>
public sealed class DeadWorkerLockTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task A_job_whose_state_lock_a_dead_worker_left_behind_still_runs_soon()
    {
        var settings = TinyModel.Settings();
        postgres.Configure(settings);
        settings["Jobs:RunServerInProcess"] = "false";
        settings["Jobs:InvisibilityTimeout"] = "00:00:05";
        await using var web = WorkbenchHost.Start(_ => settings);

        // Enqueued while no worker runs, so the lock below is in place before anyone fetches the job.
        var batch = await web.Services.GetRequiredService<BatchService>().ImportAsync(
            new MemoryStream(Encoding.UTF8.GetBytes("prompt\nquestion\n")), "one.csv",
            new BatchImportRequest { Name = "locked", Matrix = new BatchMatrix { Models = [TinyModel.Name] } }, new BatchRunOptions(MaxTokens: 4));
        var factory = web.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        long runId;
        await using (var db = await factory.CreateDbContextAsync())
            runId = await db.Runs.Where(r => r.BatchJobId == batch.Id).Select(r => r.Id).SingleAsync();

        await using (var connection = new NpgsqlConnection(postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using var find = new NpgsqlCommand("select id from hangfire.job where arguments::text like @pattern", connection);
            find.Parameters.AddWithValue("pattern", $"[\"{runId}\"%");
            var jobId = Assert.IsType<long>(await find.ExecuteScalarAsync());
            // Exactly the row Hangfire writes while it changes the job's state, as if its holder had been killed.
            await using var lockRow = new NpgsqlCommand("insert into hangfire.lock (resource, acquired) values (@resource, @acquired)", connection);
            lockRow.Parameters.AddWithValue("resource", $"hangfire:job:{jobId}:state-lock");
            lockRow.Parameters.AddWithValue("acquired", DateTime.UtcNow);
            Assert.Equal(1, await lockRow.ExecuteNonQueryAsync());
        }

        var environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = "PostgreSQL",
            ["Database__ConnectionString"] = postgres.ConnectionString,
            ["Models__Folders__0__Name"] = TinyModel.Name,
            ["Models__Folders__0__Path"] = TinyModel.FolderPath,
            ["Models__CreateDemoModel"] = "false",
            ["Jobs__WorkerCount"] = "2",
            ["Jobs__InvisibilityTimeout"] = "00:00:05",
            ["Workbench__DataDirectory"] = Path.Combine(web.TempDirectory, "worker-data"),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        using var worker = WorkerProcess.Start("w1", environment, web.TempDirectory);

        // Without an expiry tied to the invisibility timeout this waits for Hangfire.PostgreSql's default of 10 minutes.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        Run run;
        while (true)
        {
            await using (var db = await factory.CreateDbContextAsync())
                run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId);
            if (run.Status == RunStatus.Succeeded) break;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"run {runId} is still {run.Status} behind the dead lock.\nworker:\n{worker.Log()}");
            await Task.Delay(200);
        }
        Assert.Equal(1, run.AttemptCount);
    }
}
