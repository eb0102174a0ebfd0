namespace GptOssWorkbench.Web.Compare;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;

/// <summary>A blind pair as shown: left and right answers, and (after the vote) who made them.</summary>
public sealed record BlindPair(long ComparisonId, string Prompt, BlindSide Left, BlindSide Right);

public sealed record BlindSide(long RunId, string Answer, string Contestant);

public static class BlindComparisons
{
    /// <summary>
    /// Picks a random prompt that has finished runs from at least two different contestants, two such runs,
    /// and a random left/right order; stores the comparison (unvoted) so an abandoned pair stays visible.
    /// Returns null when no prompt has two contestants yet.
    /// </summary>
    public static async Task<BlindPair?> CreateNextAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, string voterId, Random random)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var candidates = await db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.Succeeded)
            .Select(r => new { r.Id, r.PromptText, r.Manifest.ModelName, r.Manifest.ReasoningEffort, r.Manifest.Temperature })
            .ToListAsync();
        var groups = candidates
            .GroupBy(r => r.PromptText)
            .Select(g => g.GroupBy(r => Contestant.Label(r.ModelName, r.ReasoningEffort, r.Temperature)).ToList())
            .Where(byContestant => byContestant.Count >= 2)
            .ToList();
        if (groups.Count == 0)
            return null;

        var group = groups[random.Next(groups.Count)];
        var contestants = group.OrderBy(_ => random.Next()).Take(2).ToList();
        var runA = contestants[0].ElementAt(random.Next(contestants[0].Count())).Id;
        var runB = contestants[1].ElementAt(random.Next(contestants[1].Count())).Id;
        var comparison = new PairwiseComparison
        {
            RunAId = runA, RunBId = runB, RunAShownLeft = random.Next(2) == 0, VoterUserId = voterId, CreatedAt = DateTime.UtcNow,
        };
        db.PairwiseComparisons.Add(comparison);
        await db.SaveChangesAsync();
        return await LoadAsync(dbFactory, comparison.Id);
    }

    public static async Task<BlindPair?> LoadAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, long comparisonId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var comparison = await db.PairwiseComparisons.AsNoTracking()
            .Include(c => c.RunA).ThenInclude(r => r!.Messages)
            .Include(c => c.RunB).ThenInclude(r => r!.Messages)
            .SingleOrDefaultAsync(c => c.Id == comparisonId);
        if (comparison is null)
            return null;
        var a = Side(comparison.RunA!);
        var b = Side(comparison.RunB!);
        return comparison.RunAShownLeft
            ? new BlindPair(comparison.Id, comparison.RunA!.PromptText, a, b)
            : new BlindPair(comparison.Id, comparison.RunA!.PromptText, b, a);
    }

    private static BlindSide Side(Run run) => new(run.Id, Transcripts.TranscriptMessages.Answer(run), Contestant.Label(run.Manifest));

    /// <summary>Records a vote given by screen side; stored about runs A and B (see <see cref="PairwiseComparison"/>).</summary>
    public static async Task VoteAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, long comparisonId, ScreenVote vote)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var comparison = await db.PairwiseComparisons.SingleAsync(c => c.Id == comparisonId);
        if (comparison.Vote is not null)
            throw new InvalidOperationException($"Comparison {comparisonId} already has a vote.");
        comparison.Vote = vote switch
        {
            ScreenVote.Left => comparison.RunAShownLeft ? ComparisonVote.A : ComparisonVote.B,
            ScreenVote.Right => comparison.RunAShownLeft ? ComparisonVote.B : ComparisonVote.A,
            ScreenVote.Tie => ComparisonVote.Tie,
            _ => ComparisonVote.BothBad,
        };
        comparison.VotedAt = DateTime.UtcNow;
        await db.SaveChangesAsync();
    }
}

public enum ScreenVote
{
    Left,
    Right,
    Tie,
    BothBad,
}
