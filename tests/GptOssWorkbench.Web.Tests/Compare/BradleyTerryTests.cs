namespace GptOssWorkbench.Web.Tests.Compare;

using GptOssWorkbench.Web.Compare;

public sealed class BradleyTerryTests
{
    private static IEnumerable<PairwiseOutcome> Repeat(string a, string b, double score, int times) =>
        Enumerable.Repeat(new PairwiseOutcome(a, b, score), times);

    [Fact]
    public void Two_players_without_prior_get_the_odds_of_their_record()
    {
        // A beat B 3 times out of 4: the maximum-likelihood odds p_A / p_B are exactly 3.
        var votes = Repeat("A", "B", 1, 3).Concat(Repeat("A", "B", 0, 1)).ToList();

        var strengths = new BradleyTerry { PriorTies = 0 }.FitStrengths(votes);

        Assert.Equal(3.0, strengths["A"] / strengths["B"], 6);
    }

    [Fact]
    public void Fit_satisfies_the_likelihood_equations_for_three_players_with_ties()
    {
        var votes = Repeat("A", "B", 1, 5).Concat(Repeat("B", "A", 1, 2))
            .Concat(Repeat("B", "C", 1, 4)).Concat(Repeat("C", "B", 1, 3)).Concat(Repeat("A", "C", 0.5, 2))
            .Concat(Repeat("C", "A", 1, 1)).ToList();

        var p = new BradleyTerry { PriorTies = 0 }.FitStrengths(votes);

        // At the maximum, each player's (tie-halved) wins equal its expected wins: Σ p_i / (p_i + p_j) over games.
        foreach (var name in new[] { "A", "B", "C" })
        {
            var wins = votes.Sum(v => v.A == name ? v.ScoreA : v.B == name ? 1 - v.ScoreA : 0);
            var expected = votes.Where(v => v.A == name || v.B == name)
                .Sum(v => p[name] / (p[v.A] + p[v.B]));
            Assert.Equal(wins, expected, 6);
        }
    }

    [Fact]
    public void Undefeated_player_stays_finite_and_ranking_carries_votes_and_intervals()
    {
        var votes = Repeat("big/high", "small/low", 1, 6).Concat(Repeat("small/low", "mid", 1, 2))
            .Concat(Repeat("mid", "small/low", 1, 2)).ToList();

        var ranking = new BradleyTerry().Rank(votes);

        Assert.Equal(["big/high", "mid", "small/low"], ranking.Select(r => r.Name));
        var best = ranking[0];
        Assert.True(double.IsFinite(best.Rating));
        Assert.Equal(6, best.Votes);
        Assert.Equal(10, ranking[2].Votes);
        foreach (var r in ranking)
            Assert.InRange(r.Rating, r.Lower - 1e-9, r.Upper + 1e-9);
        Assert.True(best.Upper > best.Lower);
    }

    [Fact]
    public void More_wins_move_the_leader_up()
    {
        var before = new BradleyTerry().Rank(Repeat("A", "B", 1, 1).ToList());
        var after = new BradleyTerry().Rank(Repeat("A", "B", 1, 4).ToList());

        Assert.True(after.Single(r => r.Name == "A").Rating > before.Single(r => r.Name == "A").Rating);
    }
}
