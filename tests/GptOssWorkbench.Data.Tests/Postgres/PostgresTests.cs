namespace GptOssWorkbench.Data.Tests.Postgres;

using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Search;
using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

[Collection(PostgresCollection.Name)]
public class PostgresTests(PostgresCluster cluster)
{
    [Fact]
    public async Task Postgres_migrations_create_every_table()
    {
        var connectionString = await cluster.CreateDatabaseAsync();
        await using (var db = cluster.NewContext(connectionString))
            await WorkbenchDatabase.MigrateAsync(db);

        await using (var db = cluster.NewContext(connectionString))
        {
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.False(db.Database.HasPendingModelChanges());
            var tables = await db.Database.SqlQuery<string>(
                $"SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'").ToListAsync();
            string[] expected =
            [
                "ApiKeys", "AuditLog", "BatchItems", "BatchJobs", "Comments", "Conversations", "DataProtectionKeys", "Messages", "PairwiseComparisons", "Ratings",
                "ModelDownloads", "ReasoningPolicies", "RegisteredModels", "RegisteredRemoteEngines", "RunFlags", "RunLogprobs", "RunTags", "Runs", "SpanAnnotations", "Tags", "UserClaims", "UserLogins", "UserTokens", "Users", "WorkerHeartbeats", "__EFMigrationsHistory",
            ];
            Assert.Equal(expected.Order(StringComparer.Ordinal), tables.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Accuracy_and_export_grade_the_same_last_final_message_on_postgres()
    {
        var connectionString = await cluster.CreateDatabaseAsync();
        await using (var db = cluster.NewContext(connectionString))
            await WorkbenchDatabase.MigrateAsync(db);
        await Batches.BatchExportTests.AssertTheLastFinalMessageIsGradedAsync(() => cluster.NewContext(connectionString));
    }

    [Fact]
    public async Task Conversation_run_review_and_batch_round_trip_on_postgres()
    {
        var connectionString = await cluster.CreateDatabaseAsync();
        await using (var db = cluster.NewContext(connectionString))
            await WorkbenchDatabase.MigrateAsync(db);

        long runId, conversationId;
        await using (var db = cluster.NewContext(connectionString))
        {
            var reviewer = TestData.User("rita");
            var conversation = new Conversation { Title = "Élan", CreatedAt = TestData.Now, UpdatedAt = TestData.Now };
            var question = new Message { Role = MessageRole.User, Content = "Qu'est-ce que l'ÉLAN vital?", Conversation = conversation, CreatedAt = TestData.Now };
            var run = TestData.QueuedRun(question.Content);
            run.Source = RunSource.Chat;
            run.Conversation = conversation;
            run.ReplyToMessage = question;
            run.Manifest.StopSequences = ["<|return|>", "FIN"];
            run.Manifest.ReasoningEffort = ReasoningEffort.Low;
            run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Analysis, Content = "Bergson.", Parent = question, Order = 1, Conversation = conversation, CreatedAt = TestData.Now });
            run.Ratings.Add(new Rating { Reviewer = reviewer, ReasoningScore = 4, AnswerScore = 2, Labels = [RatingLabels.Refusal], CreatedAt = TestData.Now, UpdatedAt = TestData.Now });
            run.Logprobs = RunLogprobs.Create([new TokenLogprob(5, -0.5f, [new TopLogprob(6, -1f)])]);
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            (runId, conversationId) = (run.Id, conversation.Id);

            await BatchImporter.ImportAsync(db, Files.Utf8("prompt,lang\nBonjour,fr\n"), "b.csv",
                new BatchImportRequest { Matrix = new BatchMatrix { Models = ["m"], Temperatures = [0.2, 0.8] } }, new BatchImportLimits(), TestData.Now);
        }

        await using (var db = cluster.NewContext(connectionString))
        {
            var run = await db.Runs.Include(r => r.Messages).Include(r => r.Ratings).Include(r => r.Logprobs).SingleAsync(r => r.Id == runId);
            Assert.Equal(["<|return|>", "FIN"], run.Manifest.StopSequences);
            Assert.Equal(ReasoningEffort.Low, run.Manifest.ReasoningEffort);
            Assert.Equal(TestData.Now, run.CreatedAt);
            Assert.Equal(DateTimeKind.Utc, run.CreatedAt.Kind);
            Assert.Equal("Bergson.", Assert.Single(run.Messages).Content);
            Assert.Equal(["refusal"], Assert.Single(run.Ratings).Labels);
            Assert.Equal(-0.5f, Assert.Single(run.Logprobs!.Read()).Logprob);
            // PostgreSQL's LIKE is case-sensitive; the normalized column makes search behave as on SQLite.
            Assert.Equal(runId, (await db.Runs.WhereTextContains("élan VITAL").SingleAsync()).Id);
            Assert.Equal(runId, (await db.Runs.WhereTextContains("bergson").SingleAsync()).Id);

            var items = await db.BatchItems.OrderBy(i => i.Order).ToListAsync();
            Assert.Equal([0.2, 0.8], items.Select(i => i.Temperature!.Value).ToList());
            Assert.Equal("{\"lang\":\"fr\"}", items[0].MetadataJson);
            Assert.Equal([0.2, 0.8], (await db.BatchJobs.SingleAsync()).Matrix.Temperatures);
        }

        // Concurrency token: a stale copy cannot overwrite a newer status.
        await using (var first = cluster.NewContext(connectionString))
        await using (var second = cluster.NewContext(connectionString))
        {
            var a = await first.Runs.SingleAsync(r => r.Id == runId);
            var b = await second.Runs.SingleAsync(r => r.Id == runId);
            a.MoveTo(RunStatus.Running, TestData.Now);
            await first.SaveChangesAsync();
            b.MoveTo(RunStatus.Cancelled, TestData.Now);
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
        }

        // Cascades on PostgreSQL: the conversation takes its run and reviews, the batch stays.
        await using (var db = cluster.NewContext(connectionString))
        {
            await db.Conversations.Where(c => c.Id == conversationId).ExecuteDeleteAsync();
            Assert.Equal(0, await db.Runs.CountAsync());
            Assert.Equal(0, await db.Ratings.CountAsync());
            Assert.Equal(0, await db.RunLogprobs.CountAsync());
            Assert.Equal(1, await db.Users.CountAsync());
            Assert.Equal(2, await db.BatchItems.CountAsync());
        }
    }
}
