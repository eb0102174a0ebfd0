namespace GptOssWorkbench.Data.Tests.Runs;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Search;
using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

public class RunSearchTests
{
    [Fact]
    public async Task Search_finds_prompt_reasoning_and_answer_text_case_insensitively_and_escapes_wildcards()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var photosynthesis = TestData.QueuedRun("Explain PHOTOSYNTHESIS briefly");
            photosynthesis.Messages.Add(TestData.Output(MessageChannels.Analysis, "Chlorophyll absorbs   red and blue.", 0));
            photosynthesis.Messages.Add(TestData.Output(MessageChannels.Final, "Plants make sugar from light.", 1));
            var discount = TestData.QueuedRun("Is 100% of ÉLAN a discount_code?");
            var other = TestData.QueuedRun("100 items at 10 each");
            db.Runs.AddRange(photosynthesis, discount, other);
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            async Task<List<string>> Search(string query) =>
                await db.Runs.WhereTextContains(query).OrderBy(r => r.Id).Select(r => r.PromptText).ToListAsync();

            Assert.Equal(["Explain PHOTOSYNTHESIS briefly"], await Search("photosynthesis"));
            Assert.Equal(["Explain PHOTOSYNTHESIS briefly"], await Search("absorbs RED"));          // reasoning, whitespace collapsed
            Assert.Equal(["Explain PHOTOSYNTHESIS briefly"], await Search("sugar from"));           // answer
            Assert.Equal(["Is 100% of ÉLAN a discount_code?"], await Search("élan"));              // non-ASCII case folding
            Assert.Equal(["Is 100% of ÉLAN a discount_code?"], await Search("100%"));              // % is literal
            Assert.Empty(await Search("discount%code"));
            Assert.Empty(await Search("discount code_"));
            Assert.Equal(["Is 100% of ÉLAN a discount_code?"], await Search("discount_code"));     // _ is literal
            Assert.Equal(3, (await Search("  ")).Count);
        }
    }

    [Fact]
    public async Task Search_text_follows_output_added_later_and_removed()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        long runId;
        await using (var db = database.NewContext())
        {
            var run = TestData.QueuedRun("prompt");
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            runId = run.Id;
        }

        await using (var db = database.NewContext())
        {
            // The worker may add output rows without loading the run at all.
            db.Messages.Add(new Message { RunId = runId, Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = "Zebra crossing", CreatedAt = TestData.Now });
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            Assert.Equal(1, await db.Runs.WhereTextContains("zebra").CountAsync());
            db.Messages.Remove(await db.Messages.SingleAsync());
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
            Assert.Equal(0, await db.Runs.WhereTextContains("zebra").CountAsync());
    }
}
