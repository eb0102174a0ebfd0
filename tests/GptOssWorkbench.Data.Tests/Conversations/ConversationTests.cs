namespace GptOssWorkbench.Data.Tests.Conversations;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

public class ConversationTests
{
    [Fact]
    public async Task A_conversation_with_messages_by_channel_round_trips()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        long conversationId;
        await using (var db = database.NewContext())
        {
            var author = TestData.User("ada");
            var conversation = new Conversation { Title = "Weather ☀", CreatedAt = TestData.Now, UpdatedAt = TestData.Now, CreatedBy = author };
            var system = new Message { Role = MessageRole.System, Content = "Reasoning: high", Order = 0, CreatedAt = TestData.Now };
            var user = new Message { Role = MessageRole.User, Content = "Wetter in Zürich?", Order = 1, Parent = system, CreatedAt = TestData.Now };
            var run = TestData.QueuedRun("Wetter in Zürich?");
            run.Source = RunSource.Chat;
            run.Conversation = conversation;
            run.ReplyToMessage = user;
            var analysis = new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Analysis, Content = "Need the tool.", TokenCount = 4, Order = 2, Parent = user, Run = run, CreatedAt = TestData.Now };
            var call = new Message
            {
                Role = MessageRole.Assistant, Channel = MessageChannels.Commentary, Recipient = "functions.get_weather",
                ContentType = "<|constrain|>json", Content = "{\"city\":\"Zürich\"}", TokenCount = 7, Order = 3, Parent = analysis, Run = run, CreatedAt = TestData.Now,
            };
            var toolResult = new Message { Role = MessageRole.Tool, Recipient = "assistant", Content = "{\"temp\":3}", TokenCount = 5, Order = 4, Parent = call, CreatedAt = TestData.Now };
            var final = new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = "3 °C.", TokenCount = 3, Order = 5, Parent = toolResult, Run = run, CreatedAt = TestData.Now };
            conversation.Messages.AddRange([system, user, analysis, call, toolResult, final]);
            db.Conversations.Add(conversation);
            await db.SaveChangesAsync();
            conversationId = conversation.Id;
        }

        await using (var db = database.NewContext())
        {
            var conversation = await db.Conversations.Include(c => c.Messages).Include(c => c.CreatedBy).SingleAsync(c => c.Id == conversationId);
            Assert.Equal("Weather ☀", conversation.Title);
            Assert.Equal("ada", conversation.CreatedBy!.Name);
            Assert.Equal(DateTimeKind.Utc, conversation.CreatedAt.Kind);
            Assert.Equal(TestData.Now, conversation.CreatedAt);
            var thread = conversation.Messages.OrderBy(m => m.Order).ToList();
            Assert.Equal(
                [(MessageRole.System, null), (MessageRole.User, null), (MessageRole.Assistant, "analysis"), (MessageRole.Assistant, "commentary"), (MessageRole.Tool, null), (MessageRole.Assistant, "final")],
                thread.Select(m => (m.Role, m.Channel)).ToList());
            Assert.Equal("functions.get_weather", thread[3].Recipient);
            Assert.Equal("<|constrain|>json", thread[3].ContentType);
            Assert.Equal("{\"city\":\"Zürich\"}", thread[3].Content);
            Assert.Equal(7, thread[3].TokenCount);
            for (var i = 1; i < thread.Count; i++)
                Assert.Equal(thread[i - 1].Id, thread[i].ParentMessageId);

            // The run's own output is the three assistant messages, reachable from the run.
            var run = await db.Runs.Include(r => r.Messages).SingleAsync();
            Assert.Equal(thread[1].Id, run.ReplyToMessageId);
            Assert.Equal(["Need the tool.", "{\"city\":\"Zürich\"}", "3 °C."], run.Messages.OrderBy(m => m.Order).Select(m => m.Content).ToList());
        }
    }

    [Fact]
    public async Task Edit_and_resend_keeps_the_old_branch_and_its_run()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var conversation = new Conversation { Title = "t", CreatedAt = TestData.Now, UpdatedAt = TestData.Now };
            var first = new Message { Role = MessageRole.User, Content = "What is 2+2?", Order = 0, CreatedAt = TestData.Now, Conversation = conversation };
            var firstRun = TestData.QueuedRun(first.Content);
            firstRun.Conversation = conversation;
            firstRun.ReplyToMessage = first;
            var firstAnswer = new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = "4", Order = 1, Parent = first, Run = firstRun, Conversation = conversation, CreatedAt = TestData.Now };
            // The edit is a sibling of the original (same parent: none), not a replacement.
            var edited = new Message { Role = MessageRole.User, Content = "What is 3+3?", Order = 0, CreatedAt = TestData.Now, Conversation = conversation };
            var editedRun = TestData.QueuedRun(edited.Content);
            editedRun.Conversation = conversation;
            editedRun.ReplyToMessage = edited;
            db.AddRange(first, firstAnswer, edited, editedRun);
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var roots = await db.Messages.Where(m => m.ParentMessageId == null).OrderBy(m => m.Id).Include(m => m.Children).ToListAsync();
            Assert.Equal(["What is 2+2?", "What is 3+3?"], roots.Select(m => m.Content).ToList());
            Assert.Equal("4", Assert.Single(roots[0].Children).Content);
            Assert.Empty(roots[1].Children);
            Assert.Equal(2, await db.Runs.CountAsync());
        }
    }
}
