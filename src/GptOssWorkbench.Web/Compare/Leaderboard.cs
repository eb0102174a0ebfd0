namespace GptOssWorkbench.Web.Compare;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;

/// <summary>A leaderboard line: pairwise rating (if voted on) and the average separate ratings.</summary>
public sealed record LeaderboardRow(string Contestant, ContestantRating? Pairwise, double? AvgReasoning, double? AvgAnswer, int RatedRuns);

/// <summary>Reasoning length against the answer rating, bucketed for a chart.</summary>
public sealed record LengthBucket(string Label, double AvgAnswer, int Runs);

public sealed record LeaderboardData(List<LeaderboardRow> Rows, int Votes, List<LengthBucket> LengthVsRating);

/// <summary>Someone who voted or rated: a choice of the leaderboard's reviewer filter.</summary>
public sealed record ReviewerChoice(string Id, string Name);

public static class Leaderboard
{
    /// <summary>
    /// The ranking from everyone's votes and ratings, or (<paramref name="reviewerId"/>) from one reviewer's only, so a
    /// team can put one person's ranking next to the whole team's and see where they disagree.
    /// </summary>
    public static async Task<LeaderboardData> LoadAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, string? reviewerId = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var votes = await db.PairwiseComparisons.AsNoTracking()
            .Where(c => c.Vote != null && (reviewerId == null || c.VoterUserId == reviewerId))
            .Select(c => new
            {
                c.Vote,
                AModel = c.RunA!.Manifest.ModelName, AEffort = c.RunA.Manifest.ReasoningEffort, ATemp = c.RunA.Manifest.Temperature,
                BModel = c.RunB!.Manifest.ModelName, BEffort = c.RunB.Manifest.ReasoningEffort, BTemp = c.RunB.Manifest.Temperature,
            })
            .ToListAsync();
        var outcomes = votes
            .Select(v => new PairwiseOutcome(
                Contestant.Label(v.AModel, v.AEffort, v.ATemp),
                Contestant.Label(v.BModel, v.BEffort, v.BTemp),
                v.Vote switch { ComparisonVote.A => 1.0, ComparisonVote.B => 0.0, _ => 0.5 }))
            // Two runs of the same contestant say nothing about the ranking.
            .Where(o => o.A != o.B)
            .ToList();
        var ranking = new BradleyTerry().Rank(outcomes).ToDictionary(r => r.Name);

        var ratings = await db.Ratings.AsNoTracking()
            .Where(r => reviewerId == null || r.ReviewerUserId == reviewerId)
            .Select(r => new { r.RunId, r.ReasoningScore, r.AnswerScore, r.Run!.Manifest.ModelName, r.Run.Manifest.ReasoningEffort, r.Run.Manifest.Temperature, r.Run.ReasoningTokens })
            .ToListAsync();
        var byContestant = ratings.GroupBy(r => Contestant.Label(r.ModelName, r.ReasoningEffort, r.Temperature)).ToDictionary(g => g.Key);

        var names = ranking.Keys.Union(byContestant.Keys).ToList();
        var rows = names.Select(n =>
            {
                byContestant.TryGetValue(n, out var rated);
                return new LeaderboardRow(n, ranking.GetValueOrDefault(n),
                    Mean(rated?.Select(r => r.ReasoningScore)),
                    Mean(rated?.Select(r => r.AnswerScore)),
                    rated?.Select(r => r.RunId).Distinct().Count() ?? 0);
            })
            .OrderByDescending(r => r.Pairwise?.Rating ?? double.MinValue)
            .ThenByDescending(r => r.AvgAnswer ?? 0)
            .ToList();

        var buckets = ratings.Where(r => r.AnswerScore is not null)
            .GroupBy(r => LengthBucketIndex(r.ReasoningTokens))
            .OrderBy(g => g.Key)
            .Select(g => new LengthBucket(LengthBucketLabel(g.Key), g.Average(r => (double)r.AnswerScore!.Value), g.Count()))
            .ToList();
        return new LeaderboardData(rows, outcomes.Count, buckets);
    }

    /// <summary>Everyone who has voted or rated, by name (the email when a user has no name).</summary>
    public static async Task<List<ReviewerChoice>> LoadReviewersAsync(IDbContextFactory<WorkbenchDbContext> dbFactory)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var reviewers = await db.Users.AsNoTracking()
            .Where(u => db.Ratings.Any(r => r.ReviewerUserId == u.Id) || db.PairwiseComparisons.Any(c => c.VoterUserId == u.Id && c.Vote != null))
            .Select(u => new { u.Id, u.Name, u.Email })
            .ToListAsync();
        return reviewers
            .Select(u => new ReviewerChoice(u.Id, string.IsNullOrWhiteSpace(u.Name) ? u.Email ?? u.Id : u.Name))
            .OrderBy(r => r.Name, StringComparer.CurrentCultureIgnoreCase).ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
    }

    private static double? Mean(IEnumerable<int?>? scores)
    {
        var values = scores?.Where(s => s is not null).Select(s => (double)s!.Value).ToList() ?? [];
        return values.Count == 0 ? null : values.Average();
    }

    private static readonly int[] LengthEdges = [0, 64, 128, 256, 512, 1024, 2048, 4096];

    private static int LengthBucketIndex(int tokens)
    {
        var i = Array.FindLastIndex(LengthEdges, e => tokens >= e);
        return Math.Max(0, i);
    }

    private static string LengthBucketLabel(int index) =>
        index + 1 < LengthEdges.Length ? $"{LengthEdges[index]}–{LengthEdges[index + 1] - 1}" : $"{LengthEdges[index]}+";
}
