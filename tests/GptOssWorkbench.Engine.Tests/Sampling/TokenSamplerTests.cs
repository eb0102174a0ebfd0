namespace GptOssWorkbench.Engine.Tests.Sampling;

using GptOssWorkbench.Engine.Sampling;

public class TokenSamplerTests
{
    // Probabilities 0.5, 0.3, 0.15, 0.05 at temperature 1.
    private static readonly float[] Graded = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f)];

    [Fact]
    public void Greedy_picks_the_maximum_and_breaks_ties_toward_the_lowest_id()
    {
        var sampler = new TokenSampler(new SamplingOptions { Temperature = 0 });
        Assert.Equal(1, sampler.Sample([1f, 3f, 3f, 2f], [], []).Id);
        Assert.Equal(2, sampler.Sample([-5f, -4f, 7f, 7f, 7f], [], []).Id);
    }

    [Fact]
    public void Same_seed_gives_the_same_tokens_and_another_seed_other_tokens()
    {
        var flat = Enumerable.Range(0, 50).Select(i => (float)(i % 7) * 0.1f).ToArray();
        Assert.Equal(Draws(new SamplingOptions { Seed = 7 }, flat, 60), Draws(new SamplingOptions { Seed = 7 }, flat, 60));
        Assert.NotEqual(Draws(new SamplingOptions { Seed = 7 }, flat, 60), Draws(new SamplingOptions { Seed = 8 }, flat, 60));
    }

    [Fact]
    public void Without_filters_every_token_can_be_drawn_in_proportion()
    {
        var counts = Draws(new SamplingOptions { Seed = 1 }, Graded, 4000).GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([0, 1, 2, 3], counts.Keys.Order());
        Assert.InRange(counts[0] / 4000.0, 0.46, 0.54);
        Assert.InRange(counts[3] / 4000.0, 0.035, 0.065);
    }

    [Theory]
    [InlineData(1, new[] { 0 })]
    [InlineData(2, new[] { 0, 1 })]
    [InlineData(3, new[] { 0, 1, 2 })]
    public void Top_k_keeps_only_the_k_most_likely(int k, int[] allowed)
    {
        Assert.Equal(allowed, DrawnSet(new SamplingOptions { Seed = 2, TopK = k }, Graded));
    }

    [Theory]
    [InlineData(0.45, new[] { 0 })] // 0.5 already reaches 0.45
    [InlineData(0.75, new[] { 0, 1 })] // 0.5 + 0.3 crosses 0.75
    [InlineData(0.9, new[] { 0, 1, 2 })] // 0.95 crosses 0.9
    public void Top_p_keeps_the_smallest_set_reaching_the_mass(double topP, int[] allowed)
    {
        Assert.Equal(allowed, DrawnSet(new SamplingOptions { Seed = 3, TopP = topP }, Graded));
    }

    [Theory]
    [InlineData(0.25, new[] { 0, 1, 2 })] // threshold 0.125: 0.05 goes
    [InlineData(0.5, new[] { 0, 1 })] // threshold 0.25: 0.15 goes
    [InlineData(0.9, new[] { 0 })]
    public void Min_p_drops_tokens_below_a_fraction_of_the_top_probability(double minP, int[] allowed)
    {
        Assert.Equal(allowed, DrawnSet(new SamplingOptions { Seed = 4, MinP = minP }, Graded));
    }

    [Fact]
    public void Low_temperature_concentrates_and_high_temperature_spreads()
    {
        float[] two = [1f, 0f];
        Assert.Equal([0], DrawnSet(new SamplingOptions { Seed = 5, Temperature = 0.05 }, two)); // p(1) = e^-20
        var hot = Draws(new SamplingOptions { Seed = 5, Temperature = 100 }, two, 2000).Count(x => x == 1) / 2000.0;
        Assert.InRange(hot, 0.45, 0.52); // p(1) = 1 / (1 + e^0.01) ≈ 0.4975
    }

    [Fact]
    public void Repetition_penalty_divides_positive_and_multiplies_negative_logits_of_seen_tokens()
    {
        var penalised = new TokenSampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 2 });
        // Token 0 (2.0) was in the prompt → 1.0, below token 3 (1.9).
        Assert.Equal(3, penalised.Sample([2f, 1f, -1f, 1.9f], [0], []).Id);
        // Token 0 (-0.5) was generated → -1.0, below token 2 (-0.6).
        Assert.Equal(2, penalised.Sample([-0.5f, -1f, -0.6f], [], [0]).Id);
        var neutral = new TokenSampler(new SamplingOptions { Temperature = 0 });
        Assert.Equal(0, neutral.Sample([2f, 1f, -1f, 1.9f], [0], []).Id);
    }

    [Theory]
    [InlineData(0.3, 0, 1)] // 3 - 2·0.3 = 2.4 < 2.5
    [InlineData(0.2, 0, 0)] // 3 - 2·0.2 = 2.6
    [InlineData(0, 0.6, 1)] // 3 - 0.6 = 2.4 (presence counts once)
    [InlineData(0, 0.4, 0)]
    public void Frequency_and_presence_penalties_lower_generated_tokens(double frequency, double presence, int expected)
    {
        var sampler = new TokenSampler(new SamplingOptions { Temperature = 0, FrequencyPenalty = frequency, PresencePenalty = presence });
        Assert.Equal(expected, sampler.Sample([3f, 2.5f], [], [0, 0]).Id);
        // The prompt does not count for frequency/presence.
        Assert.Equal(0, sampler.Sample([3f, 2.5f], [0, 0, 0], []).Id);
    }

    [Fact]
    public void Logprobs_come_from_the_unmodified_distribution_with_top_alternatives()
    {
        var sampler = new TokenSampler(new SamplingOptions { Temperature = 0, TopLogprobs = 3, RepetitionPenalty = 3 });
        var token = sampler.Sample([MathF.Log(0.2f), MathF.Log(0.5f), MathF.Log(0.15f), MathF.Log(0.15f)], [1], []);
        Assert.Equal(0, token.Id); // the penalty pushed id 1 below id 0 ...
        Assert.Equal(Math.Log(0.2), token.Logprob!.Value, 5); // ... but logprobs report the model's distribution
        Assert.Equal([1, 0, 2], token.TopLogprobs.Select(t => t.Id)); // 0.15 tie: id 2 before id 3
        Assert.Equal(Math.Log(0.5), token.TopLogprobs[0].Logprob, 5);

        var plain = new TokenSampler(new SamplingOptions { Temperature = 0 }).Sample([1f, 2f], [], []);
        Assert.Null(plain.Logprob);
        Assert.Empty(plain.TopLogprobs);
    }

    [Theory]
    [InlineData("top_p")]
    [InlineData("temperature")]
    [InlineData("top_k")]
    [InlineData("min_p")]
    [InlineData("max_tokens")]
    public void Invalid_options_are_rejected_by_name(string name)
    {
        var options = name switch
        {
            "top_p" => new SamplingOptions { TopP = 0 },
            "temperature" => new SamplingOptions { Temperature = -1 },
            "top_k" => new SamplingOptions { TopK = -2 },
            "min_p" => new SamplingOptions { MinP = 1.5 },
            _ => new SamplingOptions { MaxTokens = -1 },
        };
        var error = Assert.Throws<ArgumentException>(() => new TokenSampler(options));
        Assert.Contains(name, error.Message);
    }

    private static List<int> Draws(SamplingOptions options, float[] logits, int count)
    {
        var sampler = new TokenSampler(options);
        return Enumerable.Range(0, count).Select(_ => sampler.Sample(logits, [], []).Id).ToList();
    }

    private static int[] DrawnSet(SamplingOptions options, float[] logits) => Draws(options, logits, 3000).Distinct().Order().ToArray();
}
