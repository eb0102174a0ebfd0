namespace GptOssWorkbench.Web.Tests.Compare;

using Bunit;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Compare;
using GptOssWorkbench.Web.Review;
using Microsoft.EntityFrameworkCore;

public sealed class ComparePagesTests : DatabaseComponentTest
{
    [Fact]
    public async Task Blind_vote_hides_models_stores_the_vote_about_runs_and_reveals_afterwards()
    {
        var big = Db.AddRun("Capital of France?", "r", "It is **Paris**.", model: "big", effort: ReasoningEffort.High);
        var small = Db.AddRun("Capital of France?", "r", "Maybe Lyon.", model: "small", effort: ReasoningEffort.Low);
        Db.AddRun("Lonely prompt", "r", "only one contestant", model: "big");

        var cut = Render<BlindVote>(p => p.Add(c => c.Random, new Random(3)));
        cut.WaitForElement("[data-testid=vote-a]");
        Assert.Equal("Capital of France?", cut.Find("[data-testid=blind-prompt]").TextContent);
        Assert.DoesNotContain("big", cut.Markup);
        Assert.DoesNotContain("small", cut.Markup);
        var leftIsBig = cut.Find("[data-testid=blind-answer-A]").TextContent.Contains("Paris");

        cut.Find("[data-testid=vote-a]").Click();
        cut.WaitForElement("[data-testid=vote-recorded]");
        Assert.Equal(leftIsBig ? "big · high" : "small · low", cut.Find("[data-testid=reveal-A]").TextContent);

        await using var db = Db.CreateDbContext();
        var comparison = await db.PairwiseComparisons.SingleAsync();
        var winner = comparison.Vote == ComparisonVote.A ? comparison.RunAId : comparison.RunBId;
        Assert.Equal(leftIsBig ? big.Id : small.Id, winner);
        Assert.Equal(comparison.RunAShownLeft, cut.Find("[data-testid=blind-answer-A]").TextContent.Contains(comparison.RunAId == big.Id ? "Paris" : "Lyon"));
        Assert.NotNull(comparison.VotedAt);
    }

    [Fact]
    public async Task Blind_picker_never_repeats_a_pair_the_reviewer_voted_on_until_all_pairs_are_used_and_randomizes_sides()
    {
        // Prompt p1: three contestants (3 pairs); p2: two contestants plus a second run of one of them (2 pairs:
        // the two "big" runs are the same contestant and never meet). Five pairs in all.
        var p1 = new[] { Db.AddRun("p1", "r", "p1 big", model: "big"), Db.AddRun("p1", "r", "p1 small", model: "small"), Db.AddRun("p1", "r", "p1 mid", model: "mid") };
        var p2 = new[] { Db.AddRun("p2", "r", "p2 big", model: "big"), Db.AddRun("p2", "r", "p2 big again", model: "big"), Db.AddRun("p2", "r", "p2 small", model: "small") };
        var possible = new HashSet<(long, long)>
        {
            (p1[0].Id, p1[1].Id), (p1[0].Id, p1[2].Id), (p1[1].Id, p1[2].Id), (p2[0].Id, p2[2].Id), (p2[1].Id, p2[2].Id),
        };

        var cut = Render<BlindVote>(p => p.Add(c => c.Random, new Random(11)));
        var shown = new List<(long, long)>();
        for (var i = 0; i < possible.Count; i++)
        {
            cut.WaitForElement("[data-testid=vote-a]").Click();
            cut.WaitForElement("[data-testid=vote-recorded]");
            shown.Add(await LatestPairAsync());
            cut.Find("[data-testid=vote-next]").Click();
        }
        Assert.Equal(possible, shown.ToHashSet());

        // Everything voted: pairs come again rather than nothing.
        cut.WaitForElement("[data-testid=vote-a]").Click();
        cut.WaitForElement("[data-testid=vote-recorded]");
        Assert.Contains(await LatestPairAsync(), possible);

        // Sides: over many picks the earlier run lands left sometimes and right sometimes, and what is shown on the
        // left is the run the stored comparison says is on the left.
        var reviewer = await new CurrentReviewer(Db).GetUserIdAsync();
        var random = new Random(5);
        var leftIsLower = new List<bool>();
        for (var i = 0; i < 24; i++)
        {
            var pair = (await BlindComparisons.CreateNextAsync(Db, reviewer, random))!;
            leftIsLower.Add(pair.Left.RunId < pair.Right.RunId);
            await using var db = Db.CreateDbContext();
            var stored = await db.PairwiseComparisons.SingleAsync(c => c.Id == pair.ComparisonId);
            Assert.Equal(stored.RunAShownLeft ? stored.RunAId : stored.RunBId, pair.Left.RunId);
        }
        Assert.Contains(true, leftIsLower);
        Assert.Contains(false, leftIsLower);
    }

    private async Task<(long, long)> LatestPairAsync()
    {
        await using var db = Db.CreateDbContext();
        var latest = await db.PairwiseComparisons.OrderByDescending(c => c.Id).FirstAsync();
        Assert.NotNull(latest.Vote);
        return (Math.Min(latest.RunAId, latest.RunBId), Math.Max(latest.RunAId, latest.RunBId));
    }

    [Fact]
    public async Task Leaderboard_ranks_the_voted_winner_first_with_vote_counts_and_average_ratings()
    {
        var reviewer = await new CurrentReviewer(Db).GetUserIdAsync();
        for (var i = 0; i < 3; i++)
        {
            var good = Db.AddRun($"q{i}", "r", "good", model: "big", effort: ReasoningEffort.High);
            var weak = Db.AddRun($"q{i}", "r", "weak", model: "small", effort: ReasoningEffort.Low);
            await using var db = Db.CreateDbContext();
            db.PairwiseComparisons.Add(new PairwiseComparison { RunAId = weak.Id, RunBId = good.Id, RunAShownLeft = true, Vote = ComparisonVote.B, VoterUserId = reviewer, CreatedAt = DateTime.UtcNow, VotedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            await ReviewActions.SaveRatingAsync(Db, good.Id, reviewer, 4, 5, []);
            await ReviewActions.SaveRatingAsync(Db, weak.Id, reviewer, 2, 1 + i, []);
        }

        var cut = Render<LeaderboardView>();
        cut.WaitForElement("[data-testid=leaderboard-row]");

        Assert.Equal(["big · high", "small · low"], cut.FindAll("[data-testid=leaderboard-name]").Select(e => e.TextContent));
        Assert.Equal(["3", "3"], cut.FindAll("[data-testid=leaderboard-count]").Select(e => e.TextContent));
        var ratings = cut.FindAll("[data-testid=leaderboard-rating]").Select(e => double.Parse(e.TextContent)).ToList();
        Assert.True(ratings[0] > ratings[1]);
        Assert.Contains("2.00", cut.FindAll("[data-testid=leaderboard-row]")[1].TextContent); // weak answers 1,2,3 average 2
    }

    [Fact]
    public async Task Leaderboard_filtered_to_one_reviewer_ranks_and_averages_only_their_votes_and_ratings()
    {
        await using (var db = Db.CreateDbContext())
        {
            db.Users.Add(new User { Id = "second", Name = "Second", Email = "s@x", CreatedAt = DateTime.UtcNow });
            db.Users.Add(new User { Id = "lurker", Name = "Lurker", Email = "l@x", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var local = await new CurrentReviewer(Db).GetUserIdAsync();
        // The local reviewer prefers big (votes, answer 5 vs 1); Second prefers small (votes, answer 4 vs 2).
        for (var i = 0; i < 3; i++)
        {
            var big = Db.AddRun($"q{i}", "r", "big answer", model: "big", effort: ReasoningEffort.High);
            var small = Db.AddRun($"q{i}", "r", "small answer", model: "small", effort: ReasoningEffort.Low);
            await using var db = Db.CreateDbContext();
            db.PairwiseComparisons.Add(new PairwiseComparison { RunAId = small.Id, RunBId = big.Id, Vote = ComparisonVote.B, VoterUserId = local, CreatedAt = DateTime.UtcNow, VotedAt = DateTime.UtcNow });
            db.PairwiseComparisons.Add(new PairwiseComparison { RunAId = small.Id, RunBId = big.Id, Vote = ComparisonVote.A, VoterUserId = "second", CreatedAt = DateTime.UtcNow, VotedAt = DateTime.UtcNow });
            // Shown but never voted on: not a vote, and not a reason to list the lurker.
            db.PairwiseComparisons.Add(new PairwiseComparison { RunAId = small.Id, RunBId = big.Id, VoterUserId = "lurker", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            await ReviewActions.SaveRatingAsync(Db, big.Id, local, 4, 5, []);
            await ReviewActions.SaveRatingAsync(Db, small.Id, local, 2, 1, []);
            await ReviewActions.SaveRatingAsync(Db, big.Id, "second", 3, 2, []);
            await ReviewActions.SaveRatingAsync(Db, small.Id, "second", 4, 4, []);
        }

        Assert.Equal([("Local reviewer", local), ("Second", "second")], (await Leaderboard.LoadReviewersAsync(Db)).Select(r => (r.Name, r.Id)));

        var cut = Render<LeaderboardView>();
        cut.WaitForElement("[data-testid=leaderboard-row]");
        string[] Names() => cut.FindAll("[data-testid=leaderboard-name]").Select(e => e.TextContent).ToArray();
        string Row(string name) => cut.FindAll("[data-testid=leaderboard-row]").Single(r => r.TextContent.Contains(name)).TextContent;

        // Everyone: 3 votes each way, a tie; big's answers average (5 + 2) / 2, small's (1 + 4) / 2.
        Assert.StartsWith("6 pairwise votes ·", cut.Find("[data-testid=leaderboard-votes]").TextContent);
        Assert.Contains("3.50", Row("big · high"));
        Assert.Contains("2.50", Row("small · low"));

        var select = cut.FindComponent<MudBlazor.MudSelect<string>>();
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("second"));
        cut.WaitForAssertion(() => Assert.StartsWith("3 pairwise votes by Second ·", cut.Find("[data-testid=leaderboard-votes]").TextContent));
        Assert.Equal(["small · low", "big · high"], Names());
        Assert.Equal(["3", "3"], cut.FindAll("[data-testid=leaderboard-count]").Select(e => e.TextContent));
        Assert.Contains("4.00", Row("small · low"));
        Assert.Contains("2.00", Row("big · high"));

        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(local));
        cut.WaitForAssertion(() => Assert.StartsWith("3 pairwise votes by Local reviewer ·", cut.Find("[data-testid=leaderboard-votes]").TextContent));
        Assert.Equal(["big · high", "small · low"], Names());
        Assert.Contains("5.00", Row("big · high"));
        Assert.Contains("1.00", Row("small · low"));

        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(""));
        cut.WaitForAssertion(() => Assert.StartsWith("6 pairwise votes ·", cut.Find("[data-testid=leaderboard-votes]").TextContent));
    }

    [Fact]
    public async Task Agreement_per_batch_uses_kappa_for_two_reviewers()
    {
        var batch = Db.AddBatch("agree");
        await using (var db = Db.CreateDbContext())
        {
            db.Users.Add(new User { Id = "second", Name = "Second", Email = "s@x", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var first = await new CurrentReviewer(Db).GetUserIdAsync();
        // Answer scores (first, second): (5,5) (1,1) (5,1) (1,1): p_o = 0.75, p_e = 0.5·0.25 + 0.5·0.75 = 0.5, kappa = 0.5.
        (int, int)[] answers = [(5, 5), (1, 1), (5, 1), (1, 1)];
        foreach (var (a, b) in answers)
        {
            var run = Db.AddRun("p", "r", "a", batchId: batch);
            await ReviewActions.SaveRatingAsync(Db, run.Id, first, null, a, []);
            await ReviewActions.SaveRatingAsync(Db, run.Id, "second", null, b, []);
        }

        var rows = await AgreementReport.LoadAsync(Db);

        var row = Assert.Single(rows);
        Assert.Equal((2, 4), (row.Raters, row.SharedRuns));
        Assert.Equal(0.5, row.AnswerKappa!.Value, 10);
        Assert.Null(row.ReasoningKappa);
        var cut = Render<AgreementView>();
        cut.WaitForAssertion(() => Assert.Contains("0.500", cut.Find("[data-testid=agreement-row]").TextContent));
    }
}
