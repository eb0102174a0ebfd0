namespace GptOssWorkbench.Web.Review;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Search;

public enum RatingFilter
{
    Any,
    Unrated,
    Rated,
    /// <summary>Some reviewer gave the answer 1 or 2.</summary>
    LowAnswer,
    /// <summary>Some reviewer gave the answer 4 or 5.</summary>
    HighAnswer,
}

/// <summary>Batch runs by their grade against the item's reference answer (<see cref="GptOssWorkbench.Data.Batches.AnswerGrader"/>).</summary>
public enum GradeFilter
{
    Any,
    Correct,
    Wrong,
    /// <summary>Has a reference but the run has not finished.</summary>
    Pending,
    /// <summary>Every run whose batch item has a reference answer, whatever its grade.</summary>
    Graded,
}

/// <summary>Runs by whether a reviewer flagged them (unsafe, PII, other).</summary>
public enum FlagFilter
{
    Any,
    Flagged,
    /// <summary>Leave flagged runs out, as exports do by default.</summary>
    Unflagged,
}

/// <summary>The transcript browser's filters, applied in the database (the list is paged server-side).</summary>
public sealed record RunFilter
{
    public string? Text { get; init; }
    public string? Model { get; init; }
    public ReasoningEffort? Effort { get; init; }
    public long? BatchId { get; init; }
    public string? Tag { get; init; }
    /// <summary>The run's sampling temperature (manifest), compared exactly: the batch page links with a matrix value.</summary>
    public double? Temperature { get; init; }
    public RatingFilter Rating { get; init; }
    public FlagFilter Flag { get; init; }

    /// <summary>
    /// Grading is C# (<see cref="GptOssWorkbench.Data.Batches.AnswerGrader"/>), so <see cref="Apply"/> cannot do it:
    /// <see cref="RunListQuery"/> grades the runs the other filters leave and keeps the matching ids.
    /// </summary>
    public GradeFilter Grade { get; init; }
    public RunStatus? Status { get; init; }
    public DateTime? From { get; init; }
    /// <summary>Inclusive day: runs created before the end of this date.</summary>
    public DateTime? To { get; init; }

    /// <summary>
    /// Set for a reviewer: the rating filters (and the list's scores) look only at this reviewer's own ratings, so
    /// nobody learns what others gave a run before rating it (independent ratings keep agreement figures honest).
    /// Null (viewers) uses everyone's.
    /// </summary>
    public string? RatingsBy { get; init; }

    /// <summary>Every filter except <see cref="Grade"/>.</summary>
    public IQueryable<Run> Apply(IQueryable<Run> runs)
    {
        if (!string.IsNullOrWhiteSpace(Text))
            runs = runs.WhereTextContains(Text);
        if (!string.IsNullOrEmpty(Model))
            runs = runs.Where(r => r.Manifest.ModelName == Model);
        if (Effort is { } effort)
            runs = runs.Where(r => r.Manifest.ReasoningEffort == effort);
        if (Temperature is { } temperature)
            runs = runs.Where(r => r.Manifest.Temperature == temperature);
        if (BatchId is { } batchId)
            runs = runs.Where(r => r.BatchJobId == batchId);
        if (!string.IsNullOrEmpty(Tag))
            runs = runs.Where(r => r.Tags.Any(t => t.Name == Tag));
        if (Status is { } status)
            runs = runs.Where(r => r.Status == status);
        if (From is { } from)
        {
            var start = DateTime.SpecifyKind(from.Date, DateTimeKind.Utc);
            runs = runs.Where(r => r.CreatedAt >= start);
        }
        if (To is { } to)
        {
            var end = DateTime.SpecifyKind(to.Date.AddDays(1), DateTimeKind.Utc);
            runs = runs.Where(r => r.CreatedAt < end);
        }
        runs = Flag switch
        {
            FlagFilter.Flagged => runs.Where(r => r.Flag != null),
            FlagFilter.Unflagged => runs.Where(r => r.Flag == null),
            _ => runs,
        };
        var by = RatingsBy;
        runs = Rating switch
        {
            RatingFilter.Unrated => runs.Where(r => !r.Ratings.Any(x => by == null || x.ReviewerUserId == by)),
            RatingFilter.Rated => runs.Where(r => r.Ratings.Any(x => by == null || x.ReviewerUserId == by)),
            RatingFilter.LowAnswer => runs.Where(r => r.Ratings.Any(x => (by == null || x.ReviewerUserId == by) && x.AnswerScore <= 2)),
            RatingFilter.HighAnswer => runs.Where(r => r.Ratings.Any(x => (by == null || x.ReviewerUserId == by) && x.AnswerScore >= 4)),
            _ => runs,
        };
        return runs;
    }
}
