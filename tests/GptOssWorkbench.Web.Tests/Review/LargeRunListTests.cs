namespace GptOssWorkbench.Web.Tests.Review;

using System.Diagnostics;
using Bunit;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Review;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

/// <summary>
/// The transcript browser over 20,000 runs in a real SQLite file: the page renders its first page from a paged
/// query (never the whole table), filters and search run in the database, and the last page is reachable. Timings
/// are written to the test output for the report, not asserted (shared CI cores make them noisy).
/// </summary>
public sealed class LargeRunListTests(ITestOutputHelper output) : DatabaseComponentTest
{
    private const int Clones = 19_999;

    /// <summary>The answer excerpt a clone must show: its own answer, folded onto one line.</summary>
    private static string CloneAnswer(string prompt, long runId) => $"Answer to {prompt} Because {runId}.";

    private int SeedTwentyThousandRuns()
    {
        var stopwatch = Stopwatch.StartNew();
        var template = Db.AddRun("Template question", "reasoning", "answer", model: "gpt-oss-20b", createdAt: DateTime.UtcNow.AddMinutes(-1));
        Db.CloneRuns(template.Id, Clones, new Dictionary<string, string>
        {
            ["PromptText"] = "'Question ' || i || ': what is ' || i || ' + 7?'",
            ["SearchText"] = "'question ' || i || ': what is ' || i || ' + 7?'",
            ["CreatedAt"] = "strftime('%Y-%m-%d %H:%M:%f', t.CreatedAt, '-' || i || ' minutes')",
            ["ModelName"] = "CASE i % 4 WHEN 0 THEN 'gpt-oss-120b' ELSE 'gpt-oss-20b' END",
            ["ReasoningEffort"] = "CASE i % 3 WHEN 0 THEN 'Low' WHEN 1 THEN 'Medium' ELSE 'High' END",
        });
        // Every copy gets reasoning and a two-line answer of its own (the list shows the answer's start on one line).
        Db.CloneMessages(template.Id, new Dictionary<string, string>
        {
            ["Content"] = "CASE m.Channel WHEN 'final' THEN 'Answer to ' || r.PromptText || char(10) || char(10) || '  Because ' || r.Id || '.' ELSE m.Content END",
        });
        Db.AddRun("Where is the needle in the haystack?", "look", "here", model: "gpt-oss-20b");
        output.WriteLine($"seeded {Clones + 2} runs in {stopwatch.ElapsedMilliseconds} ms");
        return Clones + 2;
    }

    [Fact]
    public void Review_page_shows_the_first_page_of_20000_runs_and_searches_all_of_them()
    {
        var total = SeedTwentyThousandRuns();

        var stopwatch = Stopwatch.StartNew();
        var cut = Render<ReviewPage>();
        cut.WaitForAssertion(() => Assert.Equal(25, cut.FindAll("[data-testid=run-prompt]").Count), TimeSpan.FromSeconds(30));
        output.WriteLine($"first page rendered in {stopwatch.ElapsedMilliseconds} ms (cold: first EF query and first MudBlazor render in this process)");
        stopwatch.Restart();
        var again = Render<ReviewPage>();
        again.WaitForAssertion(() => Assert.Equal(25, again.FindAll("[data-testid=run-prompt]").Count), TimeSpan.FromSeconds(30));
        output.WriteLine($"first page rendered again in {stopwatch.ElapsedMilliseconds} ms (warm)");

        var prompts = cut.FindAll("[data-testid=run-prompt]").Select(e => e.TextContent).ToList();
        Assert.Equal(["Where is the needle in the haystack?", "Template question", "Question 1: what is 1 + 7?"], prompts.Take(3));
        // Each row's own answer, from the database query, on one line.
        var answers = cut.FindAll("[data-testid=run-answer]").Select(e => e.TextContent).ToList();
        Assert.Equal(["here", "answer", CloneAnswer("Question 1: what is 1 + 7?", 2)], answers.Take(3));
        var caption = string.Join(" | ", cut.FindAll(".mud-table-pagination-caption").Select(e => e.TextContent));
        Assert.True(caption.Contains($"of {total:N0}"), $"pager caption: {caption}");

        // The oldest run, found by the database search (LIKE over every row), not by the rendered page.
        stopwatch.Restart();
        cut.Find("[data-testid=search]").Input("QUESTION 19999:");
        cut.WaitForAssertion(() => Assert.Equal(["Question 19999: what is 19999 + 7?"], cut.FindAll("[data-testid=run-prompt]").Select(e => e.TextContent)), TimeSpan.FromSeconds(30));
        output.WriteLine($"search over {total} runs shown in {stopwatch.ElapsedMilliseconds} ms (includes the 300 ms input debounce)");
    }

    [Fact]
    public async Task Filters_count_and_page_in_the_database_over_20000_runs()
    {
        var total = SeedTwentyThousandRuns();
        var stopwatch = Stopwatch.StartNew();
        await RunListQuery.LoadPageAsync(Db, new RunFilter(), 0, 25);
        output.WriteLine($"first page query: {stopwatch.ElapsedMilliseconds} ms (cold if this test runs first)");
        stopwatch.Restart();
        await RunListQuery.LoadPageAsync(Db, new RunFilter(), 0, 25);
        output.WriteLine($"first page query again: {stopwatch.ElapsedMilliseconds} ms");
        stopwatch.Restart();

        // Clones with i % 4 == 0 are 120b and i % 3 == 0 are low effort: i % 12 == 0, i = 12, 24, ... 19992.
        var (rows, count) = await RunListQuery.LoadPageAsync(Db, new RunFilter { Model = "gpt-oss-120b", Effort = ReasoningEffort.Low }, 0, 25);
        output.WriteLine($"model+effort filter: {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(Clones / 12, count);
        Assert.Equal("Question 12: what is 12 + 7?", rows[0].Prompt);
        Assert.Equal(CloneAnswer("Question 12: what is 12 + 7?", 13), rows[0].Answer);
        Assert.All(rows, r => Assert.Equal(CloneAnswer(r.Prompt, r.Id), r.Answer));
        Assert.All(rows, r => Assert.Equal(("gpt-oss-120b", ReasoningEffort.Low), (r.Model, r.Effort)));

        stopwatch.Restart();
        var lastPage = (total - 1) / 100;
        (rows, count) = await RunListQuery.LoadPageAsync(Db, new RunFilter(), lastPage, 100);
        output.WriteLine($"last page (page {lastPage + 1} of 100 rows): {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(total, count);
        Assert.Equal(total - lastPage * 100, rows.Count);
        Assert.Equal($"Question {Clones}: what is {Clones} + 7?", rows[^1].Prompt);

        stopwatch.Restart();
        (rows, count) = await RunListQuery.LoadPageAsync(Db, new RunFilter { Rating = RatingFilter.Unrated, Status = RunStatus.Succeeded, Text = "+ 7?" }, 3, 50);
        output.WriteLine($"status+unrated+text filter, page 4: {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(Clones, count);
        Assert.Equal(50, rows.Count);
        Assert.Equal("Question 151: what is 151 + 7?", rows[0].Prompt);
    }

    [Fact]
    public async Task Grade_filter_over_a_5000_item_batch_returns_exactly_the_graded_runs()
    {
        const int Items = 5_000;
        var stopwatch = Stopwatch.StartNew();
        var batch = Db.AddBatch("five thousand");
        var template = Db.AddGradedRun(batch, "Question 0", "7", expected: "7");
        // Copy i: every 50th has no reference answer, every 100th (from 1) is still running, and the runs with an id
        // divisible by 4 answer 8 instead of 7 (wrong).
        Db.CloneBatchItems(template.BatchItemId!.Value, Items - 1, new Dictionary<string, string>
        {
            ["Order"] = "i",
            ["SourceLine"] = "i + 2",
            ["Prompt"] = "'Question ' || i",
            ["Expected"] = "CASE WHEN i % 50 = 0 THEN NULL ELSE '7' END",
        });
        Db.CloneRuns(template.Id, Items - 1, new Dictionary<string, string>
        {
            ["BatchItemId"] = "(SELECT b.Id FROM BatchItems b WHERE b.BatchJobId = t.BatchJobId AND b.\"Order\" = i)",
            ["PromptText"] = "'Question ' || i",
            ["SearchText"] = "'question ' || i",
            ["CreatedAt"] = "strftime('%Y-%m-%d %H:%M:%f', t.CreatedAt, '-' || i || ' seconds')",
            ["Status"] = "CASE WHEN i % 100 = 1 THEN 'Running' ELSE t.Status END",
        });
        Db.CloneMessages(template.Id, new Dictionary<string, string>
        {
            ["Content"] = "CASE m.Channel WHEN 'final' THEN CASE r.Id % 4 WHEN 0 THEN '8' ELSE '7' END ELSE m.Content END",
        });
        output.WriteLine($"seeded a {Items}-item batch in {stopwatch.ElapsedMilliseconds} ms");

        // The expected grades, from the seeding rules above and each copy's run id.
        List<(long Id, int Order)> runs;
        await using (var db = Db.CreateDbContext())
            runs = await db.Runs.Where(r => r.BatchJobId == batch).Select(r => new ValueTuple<long, int>(r.Id, r.BatchItem!.Order)).ToListAsync();
        Assert.Equal(Items, runs.Count);
        var withReference = runs.Where(r => r.Order == 0 || r.Order % 50 != 0).ToList();
        var pending = withReference.Where(r => r.Order % 100 == 1).Select(r => r.Id).ToHashSet();
        var wrong = withReference.Where(r => r.Order != 0 && !pending.Contains(r.Id) && r.Id % 4 == 0).Select(r => r.Id).ToHashSet();
        var correct = withReference.Select(r => r.Id).Where(id => !pending.Contains(id) && !wrong.Contains(id)).ToHashSet();

        foreach (var (grade, expected) in new[] { (GradeFilter.Wrong, wrong), (GradeFilter.Correct, correct), (GradeFilter.Pending, pending), (GradeFilter.Wrong, wrong) })
        {
            stopwatch.Restart();
            var (rows, total) = await RunListQuery.LoadPageAsync(Db, new RunFilter { BatchId = batch, Grade = grade }, 0, 25);
            output.WriteLine($"grade={grade}: {total} of {Items} runs, first page in {stopwatch.ElapsedMilliseconds} ms");
            Assert.Equal(expected.Count, total);
            Assert.All(rows, r => Assert.Contains(r.Id, expected));
            Assert.All(rows, r => Assert.Equal(grade == GradeFilter.Pending ? null : grade == GradeFilter.Correct, r.Correct));
        }

        stopwatch.Restart();
        await using (var db = Db.CreateDbContext())
            Assert.Equal(correct.Count, (await GptOssWorkbench.Data.Batches.BatchAccuracy.ComputeAsync(db, batch)).Single().Correct);
        output.WriteLine($"accuracy table for comparison (same grading over the same items): {stopwatch.ElapsedMilliseconds} ms");

        stopwatch.Restart();
        Services.GetRequiredService<NavigationManager>().NavigateTo($"review?batch={batch}&grade=wrong");
        var page = Render<ReviewPage>();
        page.WaitForAssertion(() => Assert.Equal(25, page.FindAll("[data-testid=run-prompt]").Count), TimeSpan.FromSeconds(30));
        var caption = string.Join(" | ", page.FindAll(".mud-table-pagination-caption").Select(e => e.TextContent));
        Assert.True(caption.Contains($"of {wrong.Count:N0}"), $"pager caption: {caption}");
        output.WriteLine($"review page opened at ?grade=wrong: first page rendered in {stopwatch.ElapsedMilliseconds} ms");
    }
}
