namespace GptOssWorkbench.Web.Review;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;

/// <summary>The writes a reviewer makes, each its own unit of work (a context per call).</summary>
public static class ReviewActions
{
    /// <summary>Creates or replaces this reviewer's rating of the run (one per reviewer and run).</summary>
    public static async Task SaveRatingAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, long runId, string reviewerId,
        int? reasoningScore, int? answerScore, IEnumerable<string> labels)
    {
        if (reasoningScore is not null and (< 1 or > 5))
            throw new ArgumentOutOfRangeException(nameof(reasoningScore), reasoningScore, "Reasoning score must be 1–5.");
        if (answerScore is not null and (< 1 or > 5))
            throw new ArgumentOutOfRangeException(nameof(answerScore), answerScore, "Answer score must be 1–5.");
        await using var db = await dbFactory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var rating = await db.Ratings.SingleOrDefaultAsync(r => r.RunId == runId && r.ReviewerUserId == reviewerId);
        if (rating is null)
        {
            rating = new Rating { RunId = runId, ReviewerUserId = reviewerId, CreatedAt = now };
            db.Ratings.Add(rating);
        }
        rating.ReasoningScore = reasoningScore;
        rating.AnswerScore = answerScore;
        rating.Labels = labels.Distinct().ToList();
        rating.UpdatedAt = now;
        await db.SaveChangesAsync();
    }

    public static async Task AddCommentAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, long runId, string authorId, string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException("A comment needs text.", nameof(text));
        await using var db = await dbFactory.CreateDbContextAsync();
        db.Comments.Add(new Comment { RunId = runId, AuthorUserId = authorId, Text = text.Trim(), CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
    }

    /// <summary>Attaches a tag (created on first use, names trimmed and lower-cased so "Math" and "math" are one tag).</summary>
    public static async Task AddTagAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, long runId, string name)
    {
        var tagName = name.Trim().ToLowerInvariant();
        if (tagName.Length is 0 or > 100)
            throw new ArgumentException("A tag is 1–100 characters.", nameof(name));
        await using var db = await dbFactory.CreateDbContextAsync();
        var run = await db.Runs.Include(r => r.Tags).SingleAsync(r => r.Id == runId);
        if (run.Tags.Any(t => t.Name == tagName))
            return;
        var tag = await db.Tags.SingleOrDefaultAsync(t => t.Name == tagName) ?? new Tag { Name = tagName };
        run.Tags.Add(tag);
        await db.SaveChangesAsync();
    }

    public static async Task RemoveTagAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, long runId, string name)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var run = await db.Runs.Include(r => r.Tags).SingleAsync(r => r.Id == runId);
        run.Tags.RemoveAll(t => t.Name == name);
        await db.SaveChangesAsync();
    }

    public static async Task AddAnnotationAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, long runId, long messageId,
        int start, int end, string note, string authorId)
    {
        if (string.IsNullOrWhiteSpace(note))
            throw new ArgumentException("A note needs text.", nameof(note));
        await using var db = await dbFactory.CreateDbContextAsync();
        var message = await db.Messages.SingleAsync(m => m.Id == messageId && m.RunId == runId);
        if (start < 0 || end <= start || end > message.Content.Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"Span [{start}, {end}) is outside the message (length {message.Content.Length}).");
        db.SpanAnnotations.Add(new SpanAnnotation
        {
            RunId = runId, MessageId = messageId, StartOffset = start, EndOffset = end, Note = note.Trim(),
            AuthorUserId = authorId, CreatedAt = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    /// <summary>The run with everything the transcript page shows, or null when it does not exist.</summary>
    public static async Task<Run?> LoadTranscriptAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, long runId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var run = await db.Runs.AsNoTracking().AsSplitQuery()
            .Include(r => r.Messages)
            .Include(r => r.ReplyToMessage)
            .Include(r => r.BatchJob)
            .Include(r => r.BatchItem)
            .Include(r => r.Ratings).ThenInclude(x => x.Reviewer)
            .Include(r => r.Comments).ThenInclude(c => c.Author)
            .Include(r => r.Tags)
            .Include(r => r.Annotations)
            .Include(r => r.Flag).ThenInclude(f => f!.FlaggedBy)
            .SingleOrDefaultAsync(r => r.Id == runId);
        if (run is not null)
            run.Messages = run.Messages.OrderBy(m => m.Order).ThenBy(m => m.Id).ToList();
        return run;
    }
}
