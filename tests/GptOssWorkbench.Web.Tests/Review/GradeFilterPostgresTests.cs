namespace GptOssWorkbench.Web.Tests.Review;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Review;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// The grade filter's queries on PostgreSQL: the final-answer subquery, and the matching ids sent back as one array
/// parameter (SQLite gets the same from the other tests).
/// </summary>
public sealed class GradeFilterPostgresTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>
{
    private sealed class Factory(DbContextOptions<WorkbenchDbContext> options) : IDbContextFactory<WorkbenchDbContext>
    {
        public WorkbenchDbContext CreateDbContext() => new(options);
    }

    [Fact]
    public async Task Grade_filter_on_postgres_grades_the_last_final_message()
    {
        var builder = new DbContextOptionsBuilder<WorkbenchDbContext>();
        WorkbenchDatabase.Configure(builder, DatabaseTarget.PostgreSql(postgres.ConnectionString));
        var factory = new Factory(builder.Options);
        long batchId;
        await using (var db = factory.CreateDbContext())
        {
            await WorkbenchDatabase.MigrateAsync(db);
            var batch = new BatchJob { Name = "pg", SourceFileName = "pg.csv", CreatedAt = DateTime.UtcNow, Matrix = new BatchMatrix { Models = ["tiny"] } };
            db.BatchJobs.Add(batch);
            await db.SaveChangesAsync();
            batchId = batch.Id;
            var order = 0;
            void Add(string prompt, string? expected, RunStatus status, params (string Content, int Order)[] finals)
            {
                var item = new BatchItem { BatchJobId = batchId, Order = order, SourceLine = order + 2, Prompt = prompt, ModelName = "tiny", Expected = expected };
                order++;
                var run = new Run
                {
                    Source = RunSource.Batch, PromptText = prompt, BatchJobId = batchId, BatchItem = item, CreatedAt = DateTime.UtcNow.AddSeconds(-order),
                    Manifest = new RunManifest { ModelName = "tiny", MaxTokens = 16 },
                };
                foreach (var (content, messageOrder) in finals)
                    run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = content, Order = messageOrder, CreatedAt = DateTime.UtcNow });
                run.MoveTo(RunStatus.Running, DateTime.UtcNow);
                if (status != RunStatus.Running)
                    run.MoveTo(status, DateTime.UtcNow);
                db.Runs.Add(run);
            }
            Add("draft then right", "42", RunStatus.Succeeded, ("draft", 1), ("42", 2));
            Add("right then wrong", "42", RunStatus.Succeeded, ("42", 1), ("41", 2));
            Add("failed silently", "42", RunStatus.Failed);
            Add("still running", "42", RunStatus.Running, ("4", 1));
            Add("no reference", null, RunStatus.Succeeded, ("anything", 1));
            await db.SaveChangesAsync();
        }

        async Task<List<string>> Prompts(GradeFilter grade) =>
            (await RunListQuery.LoadPageAsync(factory, new RunFilter { BatchId = batchId, Grade = grade }, 0, 25)).Rows.Select(r => r.Prompt).Order().ToList();

        Assert.Equal(["draft then right"], await Prompts(GradeFilter.Correct));
        Assert.Equal(["failed silently", "right then wrong"], await Prompts(GradeFilter.Wrong));
        Assert.Equal(["still running"], await Prompts(GradeFilter.Pending));
        Assert.Equal(["draft then right", "failed silently", "right then wrong", "still running"], await Prompts(GradeFilter.Graded));
        var all = (await RunListQuery.LoadPageAsync(factory, new RunFilter { BatchId = batchId }, 0, 25)).Rows.ToDictionary(r => r.Prompt);
        Assert.Equal(("42", true), (all["draft then right"].Answer, all["draft then right"].Correct));
        Assert.Equal(("41", false), (all["right then wrong"].Answer, all["right then wrong"].Correct));
    }
}
