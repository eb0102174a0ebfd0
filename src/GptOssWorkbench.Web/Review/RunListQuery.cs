namespace GptOssWorkbench.Web.Review;

using System.Text.RegularExpressions;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// One line of the transcript browser. <see cref="Answer"/>: the start of the final answer on one line (null: none yet).
/// <see cref="Expected"/>: the batch file's reference answer, if any; <see cref="Correct"/>: the run graded against it
/// by <see cref="AnswerGrader"/> (null: no reference or not finished). <see cref="Flag"/>: the run's flag kind, if flagged.
/// </summary>
public sealed record RunRow(
    long Id, DateTime CreatedAt, RunStatus Status, string Model, ReasoningEffort Effort, string? BatchName,
    string Prompt, string? Answer, int ReasoningTokens, int OutputTokens, double? AnswerScore, double? ReasoningScore, List<string> Tags,
    string? Expected = null, bool? Correct = null, GptOssWorkbench.Data.Reviews.RunFlagKind? Flag = null, string? FlagNote = null);

public static partial class RunListQuery
{
    public const int PromptPreviewLength = 160;

    /// <summary>How much of the answer the database hands back per row (the cell shows one line of it).</summary>
    public const int AnswerPreviewLength = 160;

    /// <summary>A page of runs, newest first, and the total count for the pager.</summary>
    public static async Task<(List<RunRow> Rows, int Total)> LoadPageAsync(
        IDbContextFactory<WorkbenchDbContext> dbFactory, RunFilter filter, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var answers = FinalAnswer.Messages(db.Messages);
        var runs = filter.Apply(db.Runs.AsNoTracking());
        if (filter.Grade == GradeFilter.Graded)
            runs = runs.Where(r => r.BatchItem != null && r.BatchItem.Expected != null);
        else if (filter.Grade != GradeFilter.Any)
        {
            var ids = await RunIdsWithGradeAsync(runs, answers, filter.Grade, cancellationToken);
            // EF.Parameter: one array/JSON parameter on both providers. EF Core 10's default would expand the list into
            // one SQL parameter per id, which breaks past SQLite's 32,766 / PostgreSQL's 65,535 parameters.
            runs = db.Runs.AsNoTracking().Where(r => EF.Parameter(ids).Contains(r.Id));
        }
        var total = await runs.CountAsync(cancellationToken);
        var by = filter.RatingsBy;
        var rows = await runs
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Skip(page * pageSize).Take(pageSize)
            .Select(r => new RunRow(
                r.Id, r.CreatedAt, r.Status, r.Manifest.ModelName, r.Manifest.ReasoningEffort,
                r.BatchJob == null ? null : r.BatchJob.Name,
                r.PromptText.Length > PromptPreviewLength ? r.PromptText.Substring(0, PromptPreviewLength) : r.PromptText,
                // The final answer, cut in the database: one indexed lookup per row of the page, never the whole text of
                // long answers; only the folding onto one line runs here.
                OneLine(answers.Where(m => m.RunId == r.Id)
                    .Select(m => m.Content.Length > AnswerPreviewLength ? m.Content.Substring(0, AnswerPreviewLength) : m.Content)
                    .FirstOrDefault()),
                r.ReasoningTokens, r.OutputTokens,
                r.Ratings.Where(x => by == null || x.ReviewerUserId == by).Average(x => (double?)x.AnswerScore),
                r.Ratings.Where(x => by == null || x.ReviewerUserId == by).Average(x => (double?)x.ReasoningScore),
                r.Tags.Select(t => t.Name).ToList(),
                r.BatchItem == null ? null : r.BatchItem.Expected,
                // Graded on the whole answer (the preview above is cut), fetched only for runs that have a reference.
                AnswerGrader.Grade(r.BatchItem == null ? null : r.BatchItem.Expected, r.Status,
                    r.BatchItem == null || r.BatchItem.Expected == null ? null
                        : answers.Where(m => m.RunId == r.Id).Select(m => m.Content).FirstOrDefault()),
                r.Flag == null ? null : r.Flag.Kind,
                r.Flag == null ? null : r.Flag.Note))
            .ToListAsync(cancellationToken);
        return (rows, total);
    }

    /// <summary>
    /// The ids of the runs (already narrowed by the other filters) with a reference answer and the given grade. Grading
    /// is C#, so this fetches what it needs (status, reference, final answer by <see cref="FinalAnswer"/>) for the
    /// graded runs among them, the same projection the batch page's Accuracy table grades, and keeps the matching ids.
    /// </summary>
    private static async Task<List<long>> RunIdsWithGradeAsync(IQueryable<Run> runs, IQueryable<Message> answers, GradeFilter grade,
        CancellationToken cancellationToken)
    {
        var graded = await runs.Where(r => r.BatchItem != null && r.BatchItem.Expected != null)
            .Select(r => new
            {
                r.Id,
                r.Status,
                Expected = r.BatchItem!.Expected!,
                Answer = answers.Where(m => m.RunId == r.Id).Select(m => m.Content).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);
        bool? wanted = grade switch
        {
            GradeFilter.Correct => true,
            GradeFilter.Wrong => false,
            GradeFilter.Pending => null,
            _ => throw new ArgumentOutOfRangeException(nameof(grade), grade, "Not a grade to filter by."),
        };
        return graded.Where(r => AnswerGrader.Grade(r.Expected, r.Status, r.Answer) == wanted).Select(r => r.Id).ToList();
    }

    /// <summary>Line breaks and runs of spaces become one space, so a multi-line (Markdown) answer fits a table cell.</summary>
    public static string? OneLine(string? text) => text is null ? null : Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>Choices for the filter drop-downs.</summary>
    public static async Task<FilterChoices> LoadChoicesAsync(IDbContextFactory<WorkbenchDbContext> dbFactory)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var models = await db.Runs.Select(r => r.Manifest.ModelName).Distinct().OrderBy(m => m).ToListAsync();
        var batches = await db.BatchJobs.OrderByDescending(b => b.CreatedAt).Select(b => new BatchChoice(b.Id, b.Name)).ToListAsync();
        var tags = await db.Tags.OrderBy(t => t.Name).Select(t => t.Name).ToListAsync();
        return new FilterChoices(models, batches, tags);
    }
}

public sealed record BatchChoice(long Id, string Name);

public sealed record FilterChoices(List<string> Models, List<BatchChoice> Batches, List<string> Tags);
