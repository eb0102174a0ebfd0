namespace GptOssWorkbench.Web.Tests.Review;

using System.Diagnostics;
using Bunit;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Review;
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
}
