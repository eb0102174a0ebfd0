namespace GptOssWorkbench.Data.Tests.Reviews;

using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Tests.Infrastructure;
using GptOssWorkbench.Data.Workspaces;
using Microsoft.EntityFrameworkCore;

public class DeleteBehaviorTests
{
    [Fact]
    public async Task Deleting_a_conversation_removes_its_messages_runs_and_reviews_but_nothing_else()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        long doomedId, keptId;
        await using (var db = database.NewContext())
        {
            var reviewer = TestData.User("rita");
            var sharedTag = new Tag { Name = "interesting" };
            var doomed = ChatWithOneRun(db, "doomed", reviewer, sharedTag);
            var kept = ChatWithOneRun(db, "kept", reviewer, sharedTag);
            var batchRun = TestData.QueuedRun("batch prompt");
            batchRun.Tags.Add(sharedTag);
            db.Runs.Add(batchRun);
            await db.SaveChangesAsync();
            // A comparison across the two chats goes with the deleted run.
            db.PairwiseComparisons.Add(new PairwiseComparison { RunAId = doomed.Runs[0].Id, RunBId = kept.Runs[0].Id, Voter = reviewer, Vote = ComparisonVote.A, CreatedAt = TestData.Now });
            await db.SaveChangesAsync();
            (doomedId, keptId) = (doomed.Id, kept.Id);
        }

        await using (var db = database.NewContext())
        {
            // Delete without loading children: the database's cascades must do the work.
            await db.Conversations.Where(c => c.Id == doomedId).ExecuteDeleteAsync();
        }

        await using (var db = database.NewContext())
        {
            Assert.Equal(["kept"], await db.Conversations.Select(c => c.Title).ToListAsync());
            Assert.True(await db.Messages.AllAsync(m => m.ConversationId == keptId || m.ConversationId == null));
            Assert.Equal(["batch prompt", "kept question"], await db.Runs.OrderBy(r => r.PromptText).Select(r => r.PromptText).ToListAsync());
            Assert.Equal(1, await db.Ratings.CountAsync());
            Assert.Equal(1, await db.Comments.CountAsync());
            Assert.Equal(1, await db.SpanAnnotations.CountAsync());
            Assert.Equal(0, await db.PairwiseComparisons.CountAsync());
            Assert.Equal(["rita"], await db.Users.Select(u => u.Name).ToListAsync());
            var tag = await db.Tags.Include(t => t.Runs).SingleAsync();
            Assert.Equal(2, tag.Runs.Count);
            Assert.Equal(3, await db.Messages.CountAsync(m => m.ConversationId == keptId));
        }
    }

    [Fact]
    public async Task Deleting_a_loaded_run_through_the_change_tracker_removes_its_output_only()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var reviewer = TestData.User("rita");
            var tag = new Tag { Name = "t" };
            ChatWithOneRun(db, "one", reviewer, tag);
            ChatWithOneRun(db, "two", reviewer, tag);
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var run = await db.Runs.Include(r => r.Messages).Include(r => r.Ratings).Include(r => r.Tags)
                .SingleAsync(r => r.PromptText == "one question");
            db.Runs.Remove(run);
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            Assert.Equal(["two question"], await db.Runs.Select(r => r.PromptText).ToListAsync());
            // The conversation and the user's question stay; only the run's own output went.
            Assert.Equal(2, await db.Conversations.CountAsync());
            Assert.Equal(["one question", "two question", "thinking", "answer"],
                await db.Messages.OrderBy(m => m.Id).Select(m => m.Content).ToListAsync());
            Assert.Equal(1, await db.Ratings.CountAsync());
            Assert.Equal(1, await db.Tags.CountAsync());
        }
    }

    [Fact]
    public async Task Deleting_a_batch_removes_its_items_and_runs_and_leaves_other_batches()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        long doomedId;
        await using (var db = database.NewContext())
        {
            var doomed = BatchWithRuns("doomed", 3);
            var kept = BatchWithRuns("kept", 2);
            db.BatchJobs.AddRange(doomed, kept);
            await db.SaveChangesAsync();
            doomedId = doomed.Id;
        }

        await using (var db = database.NewContext())
            await db.BatchJobs.Where(b => b.Id == doomedId).ExecuteDeleteAsync();

        await using (var db = database.NewContext())
        {
            Assert.Equal(["kept"], await db.BatchJobs.Select(b => b.Name).ToListAsync());
            Assert.Equal(2, await db.BatchItems.CountAsync());
            Assert.Equal(["kept 0", "kept 1"], await db.Runs.OrderBy(r => r.Id).Select(r => r.PromptText).ToListAsync());
            Assert.Equal(2, await db.Messages.CountAsync());
        }
    }

    [Fact]
    public async Task Deleting_a_user_message_removes_that_branch_only()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        long editedId;
        await using (var db = database.NewContext())
        {
            var conversation = new Conversation { Title = "c", CreatedAt = TestData.Now, UpdatedAt = TestData.Now };
            var root = new Message { Role = MessageRole.System, Content = "sys", Conversation = conversation, CreatedAt = TestData.Now };
            var original = new Message { Role = MessageRole.User, Content = "original", Parent = root, Order = 1, Conversation = conversation, CreatedAt = TestData.Now };
            var edited = new Message { Role = MessageRole.User, Content = "edited", Parent = root, Order = 1, Conversation = conversation, CreatedAt = TestData.Now };
            foreach (var question in new[] { original, edited })
            {
                var run = TestData.QueuedRun(question.Content);
                run.Conversation = conversation;
                run.ReplyToMessage = question;
                run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = "answer to " + question.Content, Parent = question, Order = 2, Conversation = conversation, CreatedAt = TestData.Now });
                db.Runs.Add(run);
            }
            db.Conversations.Add(conversation);
            await db.SaveChangesAsync();
            editedId = edited.Id;
        }

        await using (var db = database.NewContext())
            await db.Messages.Where(m => m.Id == editedId).ExecuteDeleteAsync();

        await using (var db = database.NewContext())
        {
            Assert.Equal(["sys", "original", "answer to original"], await db.Messages.OrderBy(m => m.Id).Select(m => m.Content).ToListAsync());
            Assert.Equal(["original"], await db.Runs.Select(r => r.PromptText).ToListAsync());
            Assert.Equal(1, await db.Conversations.CountAsync());
        }
    }

    [Fact]
    public async Task A_reviewer_with_ratings_cannot_be_deleted_silently()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var run = TestData.QueuedRun("p");
            run.Ratings.Add(new Rating { Reviewer = TestData.User("rita"), AnswerScore = 4, CreatedAt = TestData.Now, UpdatedAt = TestData.Now });
            db.Runs.Add(run);
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
            await Assert.ThrowsAnyAsync<Exception>(() => db.Users.ExecuteDeleteAsync());

        await using (var db = database.NewContext())
        {
            Assert.Equal(1, await db.Users.CountAsync());
            Assert.Equal(4, (await db.Ratings.SingleAsync()).AnswerScore);
        }
    }

    [Fact]
    public async Task Deleting_a_user_revokes_their_api_keys_and_keeps_their_runs()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        string userId;
        await using (var db = database.NewContext())
        {
            var owner = TestData.User("owner");
            var other = TestData.User("other");
            db.ApiKeys.AddRange(
                new ApiKey { User = owner, Name = "laptop", Prefix = "gow_aaaa", KeyHash = new string('a', 64), CreatedAt = TestData.Now },
                new ApiKey { User = other, Name = "ci", Prefix = "gow_bbbb", KeyHash = new string('b', 64), CreatedAt = TestData.Now });
            var run = TestData.QueuedRun("made through the API");
            run.Source = RunSource.Api;
            run.CreatedBy = owner;
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            userId = owner.Id;

            db.ApiKeys.Add(new ApiKey { User = other, Name = "dup", Prefix = "gow_aaaa", KeyHash = new string('c', 64), CreatedAt = TestData.Now });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        await using (var db = database.NewContext())
            await db.Users.Where(u => u.Id == userId).ExecuteDeleteAsync();

        await using (var db = database.NewContext())
        {
            Assert.Equal(["ci"], await db.ApiKeys.Select(k => k.Name).ToListAsync());
            var run = await db.Runs.SingleAsync();
            Assert.Null(run.CreatedByUserId);
            Assert.Equal("made through the API", run.PromptText);
        }
    }

    private static Conversation ChatWithOneRun(WorkbenchDbContext db, string title, User reviewer, Tag tag)
    {
        var conversation = new Conversation { Title = title, CreatedAt = TestData.Now, UpdatedAt = TestData.Now };
        var question = new Message { Role = MessageRole.User, Content = title + " question", Conversation = conversation, CreatedAt = TestData.Now };
        var run = TestData.QueuedRun(question.Content);
        run.Source = RunSource.Chat;
        run.Conversation = conversation;
        run.ReplyToMessage = question;
        var reasoning = new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Analysis, Content = "thinking", Parent = question, Order = 1, Conversation = conversation, CreatedAt = TestData.Now };
        run.Messages.Add(reasoning);
        run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = "answer", Parent = reasoning, Order = 2, Conversation = conversation, CreatedAt = TestData.Now });
        run.Ratings.Add(new Rating { Reviewer = reviewer, ReasoningScore = 3, AnswerScore = 5, Labels = [RatingLabels.Correct], CreatedAt = TestData.Now, UpdatedAt = TestData.Now });
        run.Comments.Add(new Comment { Author = reviewer, Text = "ok", CreatedAt = TestData.Now });
        run.Annotations.Add(new SpanAnnotation { Message = reasoning, StartOffset = 0, EndOffset = 5, Note = "vague", Author = reviewer, CreatedAt = TestData.Now });
        run.Tags.Add(tag);
        db.Runs.Add(run);
        return conversation;
    }

    private static BatchJob BatchWithRuns(string name, int count)
    {
        var batch = new BatchJob { Name = name, SourceFileName = name + ".csv", CreatedAt = TestData.Now, ItemCount = count };
        for (var i = 0; i < count; i++)
        {
            var item = new BatchItem { Order = i, Prompt = $"{name} {i}", ModelName = "m" };
            var run = TestData.QueuedRun(item.Prompt);
            run.BatchJob = batch;
            run.Messages.Add(TestData.Output(MessageChannels.Final, "a", 0));
            item.Run = run;
            batch.Items.Add(item);
        }
        return batch;
    }
}
