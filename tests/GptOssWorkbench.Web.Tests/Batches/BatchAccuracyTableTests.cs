namespace GptOssWorkbench.Web.Tests.Batches;

using Bunit;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Batches;
using GptOssWorkbench.Web.Review;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The batch page's accuracy counts are links: following one must open the Review list with exactly the runs it
/// counts (that batch, that model, effort and temperature, that grade) and no others.
/// </summary>
public sealed class BatchAccuracyTableTests : DatabaseComponentTest
{
    private sealed record Seeded(long RunId, string Model, ReasoningEffort? Effort, double? Temperature, GradeFilter Grade);

    private readonly List<Seeded> _seeded = [];

    private void Add(long batch, string model, ReasoningEffort? effort, double? temperature, GradeFilter grade)
    {
        var (answer, status) = grade switch
        {
            GradeFilter.Correct => ("42", RunStatus.Succeeded),
            GradeFilter.Wrong => ("41", RunStatus.Succeeded),
            _ => ("", RunStatus.Running),
        };
        var run = Db.AddGradedRun(batch, $"prompt {_seeded.Count}", answer, expected: "42", model, effort, temperature, status);
        _seeded.Add(new Seeded(run.Id, model, effort, temperature, grade));
    }

    [Fact]
    public async Task Each_count_links_to_the_review_list_with_exactly_those_runs()
    {
        // A matrix of two efforts × two temperatures on "tiny" plus one cell on "big", with mixed grades per cell.
        var matrix = Db.AddBatch("matrix");
        foreach (var grade in new[] { GradeFilter.Correct, GradeFilter.Wrong, GradeFilter.Wrong })
            Add(matrix, "tiny", ReasoningEffort.Low, 0, grade);
        foreach (var grade in new[] { GradeFilter.Correct, GradeFilter.Correct, GradeFilter.Wrong })
            Add(matrix, "tiny", ReasoningEffort.Low, 0.7, grade);
        foreach (var grade in new[] { GradeFilter.Correct, GradeFilter.Correct })
            Add(matrix, "tiny", ReasoningEffort.High, 0, grade);
        foreach (var grade in new[] { GradeFilter.Wrong, GradeFilter.Pending, GradeFilter.Correct })
            Add(matrix, "tiny", ReasoningEffort.High, 0.7, grade);
        Add(matrix, "big", ReasoningEffort.Low, 0, GradeFilter.Wrong);
        // Same settings but not counted in this table: another batch, and a row without a reference answer.
        var elsewhere = Db.AddBatch("elsewhere");
        Db.AddGradedRun(elsewhere, "elsewhere wrong", "41", expected: "42", "tiny", ReasoningEffort.Low, 0);
        Db.AddGradedRun(matrix, "no reference", "41", expected: null, "tiny", ReasoningEffort.Low, 0);
        // A batch run on the model defaults: its row says "default", and its runs' manifests hold the resolved values.
        var defaults = Db.AddBatch("defaults");
        Add(defaults, "tiny", null, null, GradeFilter.Correct);
        Add(defaults, "tiny", null, null, GradeFilter.Wrong);
        Add(defaults, "tiny", null, null, GradeFilter.Wrong);

        Assert.Equal(5, await CheckLinksAsync(matrix));
        Assert.Equal(1, await CheckLinksAsync(defaults));
    }

    /// <summary>Renders the batch's accuracy table, follows every count link and compares the list with the seeded runs; returns the row count.</summary>
    private async Task<int> CheckLinksAsync(long batch)
    {
        IReadOnlyList<SettingAccuracy> accuracy;
        await using (var db = Db.CreateDbContext())
            accuracy = await BatchAccuracy.ComputeAsync(db, batch);
        var table = Render<BatchAccuracyTable>(p => p.Add(c => c.BatchId, batch).Add(c => c.Accuracy, accuracy));
        var rows = table.FindAll("[data-testid=batch-accuracy-row]");
        Assert.Equal(accuracy.Count, rows.Count);
        HashSet<long> batchRuns;
        await using (var db = Db.CreateDbContext())
            batchRuns = db.Runs.Where(r => r.BatchJobId == batch).Select(r => r.Id).ToHashSet();
        for (var i = 0; i < rows.Count; i++)
        {
            var setting = accuracy[i];
            foreach (var grade in new[] { GradeFilter.Correct, GradeFilter.Wrong, GradeFilter.Pending })
            {
                var expected = _seeded
                    .Where(s => batchRuns.Contains(s.RunId) && s.Model == setting.Model && s.Effort == setting.Effort && s.Temperature == setting.Temperature && s.Grade == grade)
                    .Select(s => s.RunId).Order().ToList();
                var cell = rows[i].QuerySelector($"[data-testid=accuracy-{grade.ToString().ToLowerInvariant()}]")!;
                var link = cell.QuerySelector("a");
                Assert.Equal(expected.Count.ToString(), cell.TextContent.Trim());
                if (expected.Count == 0)
                {
                    Assert.Null(link); // nothing to open
                    continue;
                }
                Services.GetRequiredService<NavigationManager>().NavigateTo(link!.GetAttribute("href")!);
                var review = Render<ReviewPage>();
                review.WaitForAssertion(() => Assert.Equal(expected,
                    review.FindAll("[data-testid=run-link]").Select(e => long.Parse(e.TextContent.TrimStart('#'))).Order().ToList()));
            }
        }
        return rows.Count;
    }
}
