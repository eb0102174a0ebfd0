namespace GptOssWorkbench.Web.Compare;

/// <summary>One decided pairwise vote between two contestants (model + setting labels).</summary>
/// <param name="ScoreA">1 when A won, 0 when B won, 0.5 for a tie (or "both bad": neither is preferred).</param>
public readonly record struct PairwiseOutcome(string A, string B, double ScoreA);

/// <summary>A contestant's Bradley-Terry rating on an Elo-like scale with a bootstrap 95% interval.</summary>
public sealed record ContestantRating(string Name, double Rating, double Lower, double Upper, int Votes, double Strength);

/// <summary>
/// Bradley-Terry strengths fitted with the classic MM (minorize-maximize) iteration of Hunter (2004):
/// p_i ← W_i / Σ_j n_ij / (p_i + p_j). Ties count as half a win for each side (Chatbot Arena does the same).
/// Each contestant also gets <see cref="PriorTies"/> virtual ties against a fixed reference of strength 1,
/// so a contestant that never lost keeps a finite rating and the scale is anchored.
/// </summary>
public sealed class BradleyTerry
{
    public double PriorTies { get; init; } = 1.0;
    public int BootstrapSamples { get; init; } = 200;
    public int Seed { get; init; } = 12345;

    /// <summary>Elo-like display: 1000 + 400·log10(strength), so a 400 point gap means 10:1 odds.</summary>
    public static double ToElo(double strength) => 1000 + 400 * Math.Log10(strength);

    public Dictionary<string, double> FitStrengths(IReadOnlyList<PairwiseOutcome> outcomes)
    {
        var names = outcomes.SelectMany(o => new[] { o.A, o.B }).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        var index = names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
        var k = names.Count;
        var wins = new double[k];
        var games = new double[k, k];
        foreach (var o in outcomes)
        {
            int a = index[o.A], b = index[o.B];
            wins[a] += o.ScoreA;
            wins[b] += 1 - o.ScoreA;
            games[a, b]++;
            games[b, a]++;
        }

        var p = Enumerable.Repeat(1.0, k).ToArray();
        for (var iteration = 0; iteration < 10_000; iteration++)
        {
            var maxChange = 0.0;
            for (var i = 0; i < k; i++)
            {
                // The reference player has strength 1 and plays PriorTies games, half of them won.
                var numerator = wins[i] + PriorTies / 2;
                var denominator = PriorTies / (p[i] + 1);
                for (var j = 0; j < k; j++)
                    if (games[i, j] > 0)
                        denominator += games[i, j] / (p[i] + p[j]);
                var next = denominator > 0 ? numerator / denominator : p[i];
                // Without a prior an all-losing player's strength goes to 0; keep it positive and finite.
                next = Math.Max(next, 1e-9);
                maxChange = Math.Max(maxChange, Math.Abs(Math.Log(next / p[i])));
                p[i] = next;
            }
            if (PriorTies == 0)
            {
                // Without the reference the scale is free: pin the geometric mean to 1.
                var logMean = p.Average(Math.Log);
                for (var i = 0; i < k; i++)
                    p[i] /= Math.Exp(logMean);
            }
            if (maxChange < 1e-10)
                break;
        }
        return names.Select((n, i) => (n, p[i])).ToDictionary(x => x.n, x => x.Item2);
    }

    /// <summary>Ratings sorted best first, with percentile intervals from resampling the votes with replacement.</summary>
    public List<ContestantRating> Rank(IReadOnlyList<PairwiseOutcome> outcomes)
    {
        if (outcomes.Count == 0)
            return [];
        var strengths = FitStrengths(outcomes);
        var random = new Random(Seed);
        var samples = strengths.Keys.ToDictionary(n => n, _ => new List<double>());
        var resampled = new PairwiseOutcome[outcomes.Count];
        for (var s = 0; s < BootstrapSamples; s++)
        {
            for (var i = 0; i < resampled.Length; i++)
                resampled[i] = outcomes[random.Next(outcomes.Count)];
            var fit = FitStrengths(resampled);
            foreach (var name in samples.Keys)
                // A contestant missing from a resample has only the prior: strength 1.
                samples[name].Add(ToElo(fit.GetValueOrDefault(name, 1.0)));
        }
        var votes = strengths.Keys.ToDictionary(n => n, n => outcomes.Count(o => o.A == n || o.B == n));
        return strengths
            .Select(kv => new ContestantRating(kv.Key, ToElo(kv.Value),
                Percentile(samples[kv.Key], 0.025), Percentile(samples[kv.Key], 0.975), votes[kv.Key], kv.Value))
            .OrderByDescending(r => r.Rating)
            .ToList();
    }

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.OrderBy(v => v).ToArray();
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }
}
