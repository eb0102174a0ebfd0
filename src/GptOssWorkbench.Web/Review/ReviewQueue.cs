namespace GptOssWorkbench.Web.Review;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;

/// <summary>The runs of a batch this reviewer has not rated yet, in batch order.</summary>
public static class ReviewQueue
{
    public static async Task<List<long>> UnratedRunIdsAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, long batchId, string reviewerId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Runs
            .Where(r => r.BatchJobId == batchId && r.Status == RunStatus.Succeeded && !r.Ratings.Any(x => x.ReviewerUserId == reviewerId))
            .OrderBy(r => r.BatchItem!.Order).ThenBy(r => r.Id)
            .Select(r => r.Id)
            .ToListAsync();
    }

    /// <summary>What a key press in the queue means (see the page's legend).</summary>
    public static QueueKey Interpret(string key, string code, bool shift, bool commandModifier)
    {
        // Ctrl/Alt/Meta combinations belong to the browser and the system: Ctrl+C copies a passage of the
        // transcript, Ctrl+R reloads; they must not also toggle "correct" or "refusal" on the run being rated.
        if (commandModifier)
            return new QueueKey(QueueAction.None);
        // Shift+digit gives "!" etc. as the key on most layouts, so digits are read from the physical code.
        if (code.StartsWith("Digit", StringComparison.Ordinal) && int.TryParse(code.AsSpan(5), out var digit) && digit is >= 1 and <= 5)
            return shift ? new QueueKey(QueueAction.AnswerScore, digit) : new QueueKey(QueueAction.ReasoningScore, digit);
        return key.ToLowerInvariant() switch
        {
            "enter" => new QueueKey(QueueAction.SaveAndNext),
            "s" or "arrowright" => new QueueKey(QueueAction.Skip),
            "c" => new QueueKey(QueueAction.ToggleLabel, Label: Data.Reviews.RatingLabels.Correct),
            "h" => new QueueKey(QueueAction.ToggleLabel, Label: Data.Reviews.RatingLabels.Hallucination),
            "u" => new QueueKey(QueueAction.ToggleLabel, Label: Data.Reviews.RatingLabels.Unsafe),
            "r" => new QueueKey(QueueAction.ToggleLabel, Label: Data.Reviews.RatingLabels.Refusal),
            "t" => new QueueKey(QueueAction.ToggleTokens),
            _ => new QueueKey(QueueAction.None),
        };
    }
}

public enum QueueAction
{
    None,
    ReasoningScore,
    AnswerScore,
    ToggleLabel,
    SaveAndNext,
    Skip,
    ToggleTokens,
}

public readonly record struct QueueKey(QueueAction Action, int Score = 0, string? Label = null);
