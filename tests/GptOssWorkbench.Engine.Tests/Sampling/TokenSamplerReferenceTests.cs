namespace GptOssWorkbench.Engine.Tests.Sampling;

using GptOssWorkbench.Engine.Sampling;

/// <summary>
/// The vectorised sampler against a plain reference written here: float64 scores, a full sort (most likely first,
/// equal scores lower id first), the filters as the spec words them. Rows have gpt-oss's real vocabulary size so
/// the vector passes, the block sums and the bucketed ranking all run, and contain ties on purpose.
/// </summary>
public class TokenSamplerReferenceTests
{
    private const int Vocabulary = 201_088;

    /// <summary>Reference: the ids allowed after temperature, top-k, top-p and min-p, most likely first, with probabilities.</summary>
    private static List<(int Id, double P)> ReferenceAllowed(float[] logits, SamplingOptions options)
    {
        var ranked = Enumerable.Range(0, logits.Length)
            .Select(i => (Id: i, Score: logits[i] / options.Temperature))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Id).ToList();
        double top = ranked[0].Score;
        var weighted = ranked.Select(x => (x.Id, W: Math.Exp(x.Score - top))).ToList();
        if (options.TopK > 0) weighted = weighted.Take(options.TopK).ToList();
        if (options.TopP < 1)
        {
            double total = weighted.Sum(x => x.W), cumulative = 0;
            int keep = 0;
            while (keep < weighted.Count)
            {
                cumulative += weighted[keep++].W;
                if (cumulative >= options.TopP * total) break;
            }
            weighted = weighted.Take(keep).ToList();
        }
        if (options.MinP > 0) weighted = weighted.Where((x, i) => i == 0 || x.W >= options.MinP * weighted[0].W).ToList();
        double mass = weighted.Sum(x => x.W);
        return weighted.Select(x => (x.Id, x.W / mass)).ToList();
    }

    /// <summary>A row of small noise with <paramref name="high"/> tokens far above it, several of them tied.</summary>
    private static float[] PeakedRow(int seed, int high, float low = 12f, float span = 2f)
    {
        var random = new Random(seed);
        var row = new float[Vocabulary];
        for (int i = 0; i < row.Length; i++) row[i] = (float)(random.NextDouble() * 2 - 1);
        for (int h = 0; h < high; h++)
        {
            // Quantised to a quarter, so some of the high tokens share a value exactly.
            row[random.Next(Vocabulary)] = low + MathF.Round((float)random.NextDouble() * span * 4) / 4;
        }
        return row;
    }

    private static Dictionary<int, int> Counts(SamplingOptions options, float[] logits, int draws)
    {
        var sampler = new TokenSampler(options);
        var counts = new Dictionary<int, int>();
        for (int i = 0; i < draws; i++)
        {
            int id = sampler.Sample(logits, [], []).Id;
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }
        return counts;
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(2, 0.8)]
    [InlineData(3, 0.95)]
    public void Top_p_draws_exactly_the_reference_set_on_a_full_vocabulary_row(int seed, double topP)
    {
        var logits = PeakedRow(seed, high: 30);
        var options = new SamplingOptions { Seed = seed, TopP = topP };
        var expected = ReferenceAllowed(logits, options);
        Assert.InRange(expected.Count, 2, 30); // the row is built so the set is small enough to be drawn whole
        var counts = Counts(options, logits, 4000);
        Assert.Equal(expected.Select(x => x.Id).Order(), counts.Keys.Order());
    }

    [Fact]
    public void Top_p_cuts_a_tied_group_at_the_crossing_token_keeping_the_lower_ids()
    {
        // One token of p 0.4, then ten tied tokens of 0.06 each at scattered ids: top_p 0.55 needs three of them.
        var logits = new float[Vocabulary];
        Array.Fill(logits, -40f); // e^-40: no mass
        int[] tied = [190_000, 17, 88_001, 5, 150_000, 42_424, 3, 199_999, 77, 120_000];
        logits[1000] = MathF.Log(0.4f);
        foreach (var id in tied) logits[id] = MathF.Log(0.06f);
        var counts = Counts(new SamplingOptions { Seed = 9, TopP = 0.55 }, logits, 3000);
        Assert.Equal(new[] { 3, 5, 17, 1000 }, counts.Keys.Order());
    }

    [Fact]
    public void Top_p_on_a_flat_row_keeps_the_reference_threshold_and_draws_in_proportion()
    {
        // Nearly uniform: the top-p set holds about half the vocabulary, the case the bucketed ranking is for.
        var random = new Random(5);
        var logits = Enumerable.Range(0, Vocabulary).Select(_ => (float)random.NextDouble()).ToArray();
        var options = new SamplingOptions { Seed = 5, TopP = 0.5 };
        var expected = ReferenceAllowed(logits, options);
        var allowed = expected.Select(x => x.Id).ToHashSet();
        double floor = expected.Min(x => logits[x.Id]);
        var sampler = new TokenSampler(options);
        var drawn = Enumerable.Range(0, 3000).Select(_ => sampler.Sample(logits, [], []).Id).ToList();
        Assert.All(drawn, id => Assert.Contains(id, allowed));
        // Reaches down to the threshold (the bottom 5% of the kept range), and the mean matches the reference's.
        Assert.Contains(drawn, id => logits[id] < floor + 0.05 * (1 - floor));
        double expectedMean = expected.Sum(x => x.P * logits[x.Id]);
        Assert.InRange(drawn.Average(id => (double)logits[id]), expectedMean - 0.01, expectedMean + 0.01);
    }

    [Theory]
    [InlineData(40)] // a partial selection over the scores
    [InlineData(600)] // beyond the selection's size: the bucketed ranking
    public void Top_k_draws_exactly_the_k_most_likely_with_ties_broken_by_id(int k)
    {
        var random = new Random(k);
        // Integers in [0, 200): thousands of exact ties, including at the k-th place.
        var logits = Enumerable.Range(0, 20_000).Select(_ => (float)random.Next(200)).ToArray();
        var options = new SamplingOptions { Seed = k, TopK = k, Temperature = 1000 }; // hot: all k about equally likely
        var expected = ReferenceAllowed(logits, options).Select(x => x.Id).Order();
        Assert.Equal(expected, Counts(options, logits, 40 * k).Keys.Order());
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.6)]
    public void Min_p_draws_exactly_the_reference_set(double minP)
    {
        var logits = PeakedRow(11, high: 25, low: 14f, span: 3f);
        var options = new SamplingOptions { Seed = 11, MinP = minP };
        var expected = ReferenceAllowed(logits, options);
        Assert.InRange(expected.Count, 2, 25);
        Assert.Equal(expected.Select(x => x.Id).Order(), Counts(options, logits, 5000).Keys.Order());
    }

    [Fact]
    public void Top_k_top_p_and_min_p_together_draw_the_reference_set()
    {
        var logits = PeakedRow(12, high: 60, low: 13f, span: 3f);
        var options = new SamplingOptions { Seed = 12, TopK = 30, TopP = 0.9, MinP = 0.05, Temperature = 1.5 };
        var expected = ReferenceAllowed(logits, options);
        Assert.InRange(expected.Count, 2, 30);
        Assert.Equal(expected.Select(x => x.Id).Order(), Counts(options, logits, 5000).Keys.Order());
    }

    [Fact]
    public void Unfiltered_draws_follow_the_reference_probabilities()
    {
        var logits = PeakedRow(13, high: 6, low: 14f, span: 1.5f);
        var options = new SamplingOptions { Seed = 13, Temperature = 0.8 };
        var expected = ReferenceAllowed(logits, options).Take(6).ToList();
        const int draws = 6000;
        var counts = Counts(options, logits, draws);
        foreach (var (id, p) in expected)
        {
            double observed = counts.GetValueOrDefault(id) / (double)draws;
            double sigma = Math.Sqrt(p * (1 - p) / draws);
            Assert.InRange(observed, p - 5 * sigma, p + 5 * sigma);
        }
    }

    [Theory]
    [InlineData(1.3, 0.0, 0.0)]
    [InlineData(1.0, 0.7, 0.0)]
    [InlineData(1.0, 0.0, 2.5)]
    [InlineData(1.8, 0.4, 1.1)]
    public void Penalised_greedy_picks_the_reference_argmax_of_the_penalised_scores(double repetition, double frequency, double presence)
    {
        var random = new Random(21);
        for (int trial = 0; trial < 5; trial++)
        {
            var logits = Enumerable.Range(0, Vocabulary).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
            // Penalise the current leaders (and a negative logit) so the penalty decides the winner.
            var leaders = Enumerable.Range(0, Vocabulary).OrderByDescending(i => logits[i]).Take(6).ToArray();
            int[] prompt = [leaders[0], leaders[3], 7];
            int[] generated = [leaders[1], leaders[1], leaders[2], 7, leaders[4]];
            var scores = logits.Select(x => (double)x).ToArray();
            foreach (var id in prompt.Concat(generated).Distinct()) scores[id] = scores[id] > 0 ? scores[id] / repetition : scores[id] * repetition;
            foreach (var group in generated.GroupBy(x => x)) scores[group.Key] -= group.Count() * frequency + presence;
            int expected = Array.IndexOf(scores, scores.Max());

            var sampler = new TokenSampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = repetition, FrequencyPenalty = frequency, PresencePenalty = presence });
            Assert.Equal(expected, sampler.Sample(logits, prompt, generated).Id);
        }
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 1.0)] // the draw's pass gives the normaliser
    [InlineData(0.7, 0.95)]
    public void Logprobs_and_twenty_alternatives_match_a_float64_log_softmax(double temperature, double topP)
    {
        var random = new Random(31);
        // Quantised to 1/64 so the top twenty contain ties, which must come lower id first.
        var logits = Enumerable.Range(0, Vocabulary).Select(_ => MathF.Round((float)(random.NextDouble() * 10) * 64) / 64).ToArray();
        double max = logits.Max();
        double logSum = max + Math.Log(logits.Sum(x => Math.Exp(x - max)));
        var expectedTop = Enumerable.Range(0, Vocabulary).OrderByDescending(i => logits[i]).ThenBy(i => i).Take(20).ToArray();
        Assert.True(expectedTop.Select(i => logits[i]).Distinct().Count() < 20, "the row should have ties among its top twenty");

        var sampler = new TokenSampler(new SamplingOptions { Temperature = temperature, TopP = topP, Seed = 3, TopLogprobs = 20 });
        for (int draw = 0; draw < 3; draw++)
        {
            var token = sampler.Sample(logits, [], []);
            Assert.Equal(logits[token.Id] - logSum, token.Logprob!.Value, 4);
            Assert.Equal(expectedTop, token.TopLogprobs.Select(t => t.Id));
            foreach (var alternative in token.TopLogprobs) Assert.Equal(logits[alternative.Id] - logSum, alternative.Logprob, 4);
        }
    }

    [Fact]
    public async Task A_sampler_used_from_another_thread_between_rows_draws_the_same_sequence()
    {
        // Per-thread buffers, per-sequence Random: the thread a row is sampled on must not matter.
        var logits = PeakedRow(41, high: 30);
        var options = new SamplingOptions { Seed = 41, TopP = 0.9, TopLogprobs = 5 };
        var onOneThread = new TokenSampler(options);
        var expected = Enumerable.Range(0, 50).Select(_ => onOneThread.Sample(logits, [], []).Id).ToList();

        var hopping = new TokenSampler(options);
        var other = new TokenSampler(options with { Seed = 99, TopK = 7 });
        var actual = new List<int>();
        for (int i = 0; i < 50; i++)
        {
            // Another sequence's row on the same thread in between, and every other row on a pool thread.
            other.Sample(logits, [], []);
            actual.Add(i % 2 == 0 ? hopping.Sample(logits, [], []).Id : await Task.Run(() => hopping.Sample(logits, [], []).Id));
        }
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void An_empty_logits_row_is_rejected_with_a_reason()
    {
        var error = Assert.Throws<ArgumentException>(() => new TokenSampler(new SamplingOptions()).Sample([], [], []));
        Assert.Contains("empty", error.Message);
    }
}
