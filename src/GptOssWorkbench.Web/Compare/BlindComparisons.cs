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
    /// Picks a pair of finished runs of one prompt from two different contestants that this voter has not voted on
    /// yet (in either order), at random, with a random left/right order; stores the comparison (unvoted) so an
    /// abandoned pair stays visible. Only when the voter has voted on every possible pair are voted pairs offered
    /// again. Returns null when no prompt has two contestants yet.
    /// </summary>
    public static async Task<BlindPair?> CreateNextAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, string voterId, Random random)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var candidates = await db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.Succeeded)
            .Select(r => new { r.Id, r.PromptText, r.Manifest.ModelName, r.Manifest.ReasoningEffort, r.Manifest.Temperature })
            .ToListAsync();
        var voted = (await db.PairwiseComparisons.AsNoTracking()
                .Where(c => c.VoterUserId == voterId && c.Vote != null)
                .Select(c => new { c.RunAId, c.RunBId })
                .ToListAsync())
            .Select(c => PairKey(c.RunAId, c.RunBId))
            .ToHashSet();

        var prompts = candidates
            .GroupBy(r => r.PromptText)
            .Select(g => g.Select(r => (r.Id, Contestant: Contestant.Label(r.ModelName, r.ReasoningEffort, r.Temperature))).ToList())
            .Where(runs => runs.Select(r => r.Contestant).Distinct().Count() >= 2)
            .ToList();
        if (prompts.Count == 0)
            return null;

        // Every cross-contestant pair of each prompt; a prompt's runs are few (models × efforts × seeds), so listing
        // them is cheap, and it makes "not voted yet" exact rather than a retry loop that might give up.
        var pairs = prompts.SelectMany(runs =>
            from a in runs
            from b in runs
            where a.Id < b.Id && a.Contestant != b.Contestant
            select (A: a.Id, B: b.Id)).ToList();
        var fresh = pairs.Where(p => !voted.Contains(PairKey(p.A, p.B))).ToList();
        var (first, second) = (fresh.Count > 0 ? fresh : pairs)[random.Next(fresh.Count > 0 ? fresh.Count : pairs.Count)];
        var (runA, runB) = random.Next(2) == 0 ? (first, second) : (second, first);
        var comparison = new PairwiseComparison
        {
            RunAId = runA, RunBId = runB, RunAShownLeft = random.Next(2) == 0, VoterUserId = voterId, CreatedAt = DateTime.UtcNow,
        };
        db.PairwiseComparisons.Add(comparison);
        await db.SaveChangesAsync();
        return await LoadAsync(dbFactory, comparison.Id);
    }

    private static (long, long) PairKey(long a, long b) => a < b ? (a, b) : (b, a);

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
