namespace GptOssWorkbench.Engine.Sampling;

/// <summary>
/// Picks the next token from one row of fp32 logits. Runs in plain C# on the CPU with its own seeded
/// <see cref="Random"/> (never torch's global generator), so a seed reproduces a run on any device.
/// Order: penalties → temperature → top-k → top-p → min-p → draw.
/// </summary>
public sealed class TokenSampler
{
    private readonly SamplingOptions options;
    private readonly Random random;

    public TokenSampler(SamplingOptions options)
    {
        options.Validate();
        this.options = options;
        random = new Random(options.Seed ?? Random.Shared.Next());
    }

    /// <param name="logits">The model's logits for the next position, one per vocabulary id.</param>
    /// <param name="promptTokens">The prompt (seen by the repetition penalty only).</param>
    /// <param name="generatedTokens">Tokens produced so far (seen by all penalties).</param>
    public SampledToken Sample(ReadOnlySpan<float> logits, IReadOnlyList<int> promptTokens, IReadOnlyList<int> generatedTokens)
    {
        var scores = new double[logits.Length];
        for (int i = 0; i < scores.Length; i++) scores[i] = logits[i];
        ApplyPenalties(scores, promptTokens, generatedTokens);

        int chosen = options.Temperature == 0 ? ArgMax(scores) : Draw(Candidates(scores));

        if (!options.Logprobs && options.TopLogprobs == 0) return new SampledToken(chosen, null, []);
        var logSoftmax = LogSoftmax(logits);
        return new SampledToken(chosen, logSoftmax[chosen], MostLikely(logSoftmax, options.TopLogprobs));
    }

    private void ApplyPenalties(double[] scores, IReadOnlyList<int> prompt, IReadOnlyList<int> generated)
    {
        if (options.RepetitionPenalty != 1.0)
        {
            foreach (var id in prompt.Concat(generated).Distinct())
            {
                scores[id] = scores[id] > 0 ? scores[id] / options.RepetitionPenalty : scores[id] * options.RepetitionPenalty;
            }
        }
        if (options.FrequencyPenalty != 0 || options.PresencePenalty != 0)
        {
            foreach (var group in generated.GroupBy(id => id))
            {
                scores[group.Key] -= group.Count() * options.FrequencyPenalty + options.PresencePenalty;
            }
        }
    }

    /// <summary>Lowest id among the maximal scores, so greedy runs agree across devices.</summary>
    public static int ArgMax(ReadOnlySpan<double> scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best]) best = i;
        }
        return best;
    }

    /// <summary>The tokens still allowed after temperature, top-k, top-p and min-p, with unnormalised probabilities, most likely first.</summary>
    internal List<(int Id, double Weight)> Candidates(double[] scores)
    {
        var ranked = new (double Score, int Id)[scores.Length];
        for (int i = 0; i < scores.Length; i++) ranked[i] = (scores[i] / options.Temperature, i);
        bool filtering = options.TopK > 0 || options.TopP < 1.0 || options.MinP > 0;
        // Most likely first, equal scores lower id first; plain sampling skips the sort (201088 ids).
        if (filtering) Array.Sort(ranked, (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Id.CompareTo(b.Id));
        int count = options.TopK > 0 ? Math.Min(options.TopK, ranked.Length) : ranked.Length;

        double top = filtering ? ranked[0].Score : scores.Max() / options.Temperature;
        var weights = new double[count];
        double total = 0;
        for (int i = 0; i < count; i++) total += weights[i] = Math.Exp(ranked[i].Score - top);

        if (options.TopP < 1.0)
        {
            // Smallest prefix whose mass reaches top_p; the token that crosses the line is kept.
            double cumulative = 0;
            int kept = 0;
            while (kept < count)
            {
                cumulative += weights[kept++] / total;
                if (cumulative >= options.TopP) break;
            }
            count = kept;
        }
        if (options.MinP > 0)
        {
            // Sorted, so weights[0] is the top token's unnormalised probability.
            int kept = 1;
            while (kept < count && weights[kept] >= options.MinP * weights[0]) kept++;
            count = kept;
        }
        var result = new List<(int, double)>(count);
        for (int i = 0; i < count; i++) result.Add((ranked[i].Id, weights[i]));
        return result;
    }

    private int Draw(List<(int Id, double Weight)> candidates)
    {
        double total = candidates.Sum(c => c.Weight);
        double target = random.NextDouble() * total;
        foreach (var (id, weight) in candidates)
        {
            target -= weight;
            if (target < 0) return id;
        }
        return candidates[^1].Id; // rounding left a sliver of mass
    }

    private static double[] LogSoftmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (var x in logits) max = Math.Max(max, x);
        double sum = 0;
        foreach (var x in logits) sum += Math.Exp(x - max);
        double logSum = max + Math.Log(sum);
        var result = new double[logits.Length];
        for (int i = 0; i < result.Length; i++) result[i] = logits[i] - logSum;
        return result;
    }

    private static List<TokenLogprob> MostLikely(double[] logprobs, int count)
    {
        var best = new List<TokenLogprob>(count + 1);
        if (count == 0) return best;
        for (int i = 0; i < logprobs.Length; i++)
        {
            if (best.Count == count && logprobs[i] <= best[^1].Logprob) continue;
            int at = best.Count;
            while (at > 0 && best[at - 1].Logprob < logprobs[i]) at--; // equal values keep the lower id first
            best.Insert(at, new TokenLogprob(i, logprobs[i]));
            if (best.Count > count) best.RemoveAt(best.Count - 1);
        }
        return best;
    }
}
