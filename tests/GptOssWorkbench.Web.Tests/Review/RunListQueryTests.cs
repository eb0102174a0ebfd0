namespace GptOssWorkbench.Web.Tests.Review;

using System.Text;
using System.Text.Json;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Review;
using GptOssWorkbench.Web.Tests.Infrastructure;

public sealed class RunListQueryTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Filters_combine_and_pages_come_newest_first_with_the_total()
    {
        var batch = _db.AddBatch("math");
        var start = new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < 7; i++)
            _db.AddRun($"Sum {i}", "adding", $"{i}", model: "big", effort: ReasoningEffort.High, batchId: batch, createdAt: start.AddMinutes(i));
        _db.AddRun("Capital of France", "Recall Europe", "Paris", model: "small", effort: ReasoningEffort.Low, createdAt: start.AddDays(3));
        _db.AddRun("Broken", "x", "", model: "small", status: RunStatus.Failed, createdAt: start.AddDays(3));

        var (page2, total) = await RunListQuery.LoadPageAsync(_db, new RunFilter { BatchId = batch }, page: 1, pageSize: 3);
        Assert.Equal(7, total);
        Assert.Equal(["Sum 3", "Sum 2", "Sum 1"], page2.Select(r => r.Prompt));

        Assert.Equal(2, (await RunListQuery.LoadPageAsync(_db, new RunFilter { Model = "small" }, 0, 10)).Total);
        Assert.Equal(7, (await RunListQuery.LoadPageAsync(_db, new RunFilter { Effort = ReasoningEffort.High }, 0, 10)).Total);
        Assert.Equal("Broken", (await RunListQuery.LoadPageAsync(_db, new RunFilter { Status = RunStatus.Failed }, 0, 10)).Rows.Single().Prompt);
        Assert.Equal(2, (await RunListQuery.LoadPageAsync(_db, new RunFilter { From = start.AddDays(2) }, 0, 10)).Total);
        Assert.Equal(7, (await RunListQuery.LoadPageAsync(_db, new RunFilter { To = start }, 0, 10)).Total);
    }

    [Fact]
    public async Task Rows_carry_the_start_of_their_own_final_answer_folded_onto_one_line()
    {
        _db.AddRun("multi", "thinking\nhard", "First line\n\n  second \t line\n");
        _db.AddRun("long", "r", new string('x', 150) + "\n" + new string('y', 100));
        _db.AddRun("tool", "r", "Done.", commentary: "{\"city\":\"Paris\"}", recipient: "functions.weather");
        var running = _db.AddRun("running", "partial reasoning", "");
        using (var db = _db.CreateDbContext())
        {
            // A run still reasoning has no final message yet.
            db.Messages.RemoveRange(db.Messages.Where(m => m.RunId == running.Id && m.Channel == "final"));
            db.SaveChanges();
        }

        var rows = (await RunListQuery.LoadPageAsync(_db, new RunFilter(), 0, 10)).Rows.ToDictionary(r => r.Prompt);

        Assert.Equal("First line second line", rows["multi"].Answer);
        // Cut to 160 characters in the database, then folded: 150 x, the line break as a space, 9 y.
        Assert.Equal(new string('x', 150) + " " + new string('y', 9), rows["long"].Answer);
        Assert.Equal("Done.", rows["tool"].Answer);
        Assert.Null(rows["running"].Answer);
    }

    [Fact]
    public async Task Runs_of_a_batch_with_reference_answers_are_graded_on_their_whole_answer()
    {
        var batch = _db.AddBatch("graded");
        var longAnswer = new string('z', 200); // longer than the preview: grading must not use the cut text
        var right = _db.AddRun("What is 4738 + 1295?", "r", "6,033.", batchId: batch);
        var wrong = _db.AddRun("What is 85 - 1?", "r", "86", batchId: batch);
        var longRight = _db.AddRun("Say z 200 times", "r", longAnswer, batchId: batch);
        var running = _db.AddRun("What is 5 + 5?", "r", "", batchId: batch, status: RunStatus.Running);
        _db.AddRun("No reference", "r", "anything", batchId: batch);
        using (var db = _db.CreateDbContext())
        {
            foreach (var (run, expected) in new[] { (right, "6033"), (wrong, "84"), (longRight, longAnswer), (running, "10") })
                db.BatchItems.Single(i => i.Id == run.BatchItemId).Expected = expected;
            db.SaveChanges();
        }

        var rows = (await RunListQuery.LoadPageAsync(_db, new RunFilter(), 0, 10)).Rows.ToDictionary(r => r.Prompt);

        Assert.True(rows["What is 4738 + 1295?"].Correct);
        Assert.Equal("6033", rows["What is 4738 + 1295?"].Expected);
        Assert.False(rows["What is 85 - 1?"].Correct);
        Assert.True(rows["Say z 200 times"].Correct);
        Assert.Null(rows["What is 5 + 5?"].Correct); // not finished: not graded yet
        Assert.Equal("10", rows["What is 5 + 5?"].Expected);
        Assert.Null(rows["No reference"].Correct);
        Assert.Null(rows["No reference"].Expected);
    }

    [Fact]
    public async Task Review_list_accuracy_table_and_export_grade_a_run_with_two_final_messages_alike()
    {
        var batch = _db.AddBatch("two finals");
        // Each run already has one final message at Order 1 (after its reasoning); a second one is written after it.
        var laterOrderRight = _db.AddRun("later order holds the answer", "r", "draft", batchId: batch);
        var sameOrderRight = _db.AddRun("same order, later write", "r", "draft", batchId: batch);
        var laterOrderWrong = _db.AddRun("later order is wrong", "r", "42", batchId: batch);
        using (var db = _db.CreateDbContext())
        {
            foreach (var (run, expected, second, order) in new[]
                     { (laterOrderRight, "42", "42", 2), (sameOrderRight, "42", "42", 1), (laterOrderWrong, "42", "41", 2) })
            {
                db.BatchItems.Single(i => i.Id == run.BatchItemId).Expected = expected;
                db.Messages.Add(new Message { RunId = run.Id, Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = second, Order = order, CreatedAt = DateTime.UtcNow });
            }
            db.SaveChanges();
        }

        var list = (await RunListQuery.LoadPageAsync(_db, new RunFilter { BatchId = batch }, 0, 10)).Rows.ToDictionary(r => r.Id);
        List<JsonElement> export;
        using (var output = new MemoryStream())
        {
            await using (var db = _db.CreateDbContext())
                await BatchExporter.WriteJsonlAsync(db, batch, output);
            export = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        }
        await using var check = _db.CreateDbContext();
        var accuracy = (await BatchAccuracy.ComputeAsync(check, batch)).Single();

        long[] runs = [laterOrderRight.Id, sameOrderRight.Id, laterOrderWrong.Id];
        Assert.Equal(["42", "42", "41"], runs.Select(id => list[id].Answer));
        Assert.Equal(["42", "42", "41"], export.Select(r => r.GetProperty("answer").GetString()));
        Assert.Equal([true, true, false], runs.Select(id => list[id].Correct!.Value));
        Assert.Equal([true, true, false], export.Select(r => r.GetProperty("correct").GetBoolean()));
        Assert.Equal((3, 2), (accuracy.Graded, accuracy.Correct));
    }

    [Fact]
    public async Task Search_finds_text_in_reasoning_and_answer_case_insensitively()
    {
        _db.AddRun("What is the capital?", "Recall EUROPEAN capitals", "Paris");
        _db.AddRun("Other", "nothing", "Berlin is nice");

        Assert.Equal("What is the capital?", (await RunListQuery.LoadPageAsync(_db, new RunFilter { Text = "european" }, 0, 10)).Rows.Single().Prompt);
        Assert.Equal("Other", (await RunListQuery.LoadPageAsync(_db, new RunFilter { Text = "berlin" }, 0, 10)).Rows.Single().Prompt);
        Assert.Equal(0, (await RunListQuery.LoadPageAsync(_db, new RunFilter { Text = "madrid" }, 0, 10)).Total);
    }

    [Fact]
    public async Task Rating_and_tag_filters_follow_saved_reviews()
    {
        var good = _db.AddRun("good", "r", "a");
        var bad = _db.AddRun("bad", "r", "a");
        _db.AddRun("untouched", "r", "a");
        var reviewer = await new CurrentReviewer(_db).GetUserIdAsync();
        await ReviewActions.SaveRatingAsync(_db, good.Id, reviewer, 4, 5, ["correct"]);
        await ReviewActions.SaveRatingAsync(_db, bad.Id, reviewer, 2, 1, ["hallucination"]);
        await ReviewActions.AddTagAsync(_db, bad.Id, "  Needs-Fix ");

        Assert.Equal("untouched", (await RunListQuery.LoadPageAsync(_db, new RunFilter { Rating = RatingFilter.Unrated }, 0, 10)).Rows.Single().Prompt);
        Assert.Equal("bad", (await RunListQuery.LoadPageAsync(_db, new RunFilter { Rating = RatingFilter.LowAnswer }, 0, 10)).Rows.Single().Prompt);
        var high = (await RunListQuery.LoadPageAsync(_db, new RunFilter { Rating = RatingFilter.HighAnswer }, 0, 10)).Rows.Single();
        Assert.Equal(("good", 5.0, 4.0), (high.Prompt, high.AnswerScore!.Value, high.ReasoningScore!.Value));
        var tagged = (await RunListQuery.LoadPageAsync(_db, new RunFilter { Tag = "needs-fix" }, 0, 10)).Rows.Single();
        Assert.Equal(["needs-fix"], tagged.Tags);
    }

    [Fact]
    public async Task Out_of_range_scores_and_spans_are_refused_and_nothing_is_stored()
    {
        var run = _db.AddRun("p", "reasoning text", "a");
        var reviewer = await new CurrentReviewer(_db).GetUserIdAsync();
        var reasoningId = _db.CreateDbContext().Messages.Single(m => m.RunId == run.Id && m.Channel == "analysis").Id;

        var score = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ReviewActions.SaveRatingAsync(_db, run.Id, reviewer, 6, 3, []));
        Assert.Contains("Reasoning score must be 1–5", score.Message);
        var span = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ReviewActions.AddAnnotationAsync(_db, run.Id, reasoningId, 5, 99, "note", reviewer));
        Assert.Contains("outside the message (length 14)", span.Message);

        using var db = _db.CreateDbContext();
        Assert.Empty(db.Ratings);
        Assert.Empty(db.SpanAnnotations);
    }

    [Fact]
    public async Task For_a_reviewer_scores_and_rating_filters_use_only_their_own_ratings()
    {
        var rated = _db.AddRun("rated by both", "r", "a");
        var other = _db.AddRun("rated by the other", "r", "a");
        var me = await new CurrentReviewer(_db).GetUserIdAsync();
        await using (var db = _db.CreateDbContext())
        {
            db.Users.Add(new GptOssWorkbench.Data.Workspaces.User { Id = "other", Name = "Other", Email = "o@x", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        await ReviewActions.SaveRatingAsync(_db, rated.Id, me, 2, 2, []);
        await ReviewActions.SaveRatingAsync(_db, rated.Id, "other", 4, 4, []);
        await ReviewActions.SaveRatingAsync(_db, other.Id, "other", 5, 5, []);

        var mine = (await RunListQuery.LoadPageAsync(_db, new RunFilter { RatingsBy = me }, 0, 10)).Rows.ToDictionary(r => r.Prompt);
        Assert.Equal((2.0, 2.0), (mine["rated by both"].AnswerScore, mine["rated by both"].ReasoningScore));
        Assert.Null(mine["rated by the other"].AnswerScore);
        Assert.Equal("rated by the other", (await RunListQuery.LoadPageAsync(_db, new RunFilter { RatingsBy = me, Rating = RatingFilter.Unrated }, 0, 10)).Rows.Single().Prompt);
        Assert.Equal(0, (await RunListQuery.LoadPageAsync(_db, new RunFilter { RatingsBy = me, Rating = RatingFilter.HighAnswer }, 0, 10)).Total);

        // Without a rater (viewers) everyone's ratings count.
        var all = (await RunListQuery.LoadPageAsync(_db, new RunFilter(), 0, 10)).Rows.ToDictionary(r => r.Prompt);
        Assert.Equal(3.0, all["rated by both"].AnswerScore);
        Assert.Equal(2, (await RunListQuery.LoadPageAsync(_db, new RunFilter { Rating = RatingFilter.HighAnswer }, 0, 10)).Total);
    }
}
