namespace GptOssWorkbench.Engine.Tests.Sampling;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Sampling;
using GptOssWorkbench.Engine.Tests.Model;

public class TextGeneratorTests : IDisposable
{
    private static readonly int[] Prompt = [5, 77, 120, 9, 33, 250];
    private readonly GptOssWorkbench.Engine.Weights.ModelWeights weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 21);
    private readonly GptOssModel model;

    public TextGeneratorTests() => model = new GptOssModel(weights, new EngineOptions { Dtype = ComputePrecision.Float32 });

    [Fact]
    public void Greedy_tokens_are_the_argmax_of_a_full_forward_over_prompt_plus_output()
    {
        var tokens = new TextGenerator(model).Generate(Prompt, new SamplingOptions { Temperature = 0, MaxTokens = 10 }).ToList();
        Assert.Equal(10, tokens.Count);
        var sequence = Prompt.ToList();
        foreach (var token in tokens)
        {
            var last = model.ScoreAllPositions(sequence)[^1];
            Assert.Equal(TokenSampler.ArgMax(last.Select(x => (double)x).ToArray()), token.Id);
            sequence.Add(token.Id);
        }
        Assert.All(tokens[..^1], t => Assert.Null(t.Finish));
        Assert.Equal(FinishReason.Length, tokens[^1].Finish);
    }

    [Fact]
    public void Seeded_sampling_repeats_exactly_and_differs_across_seeds()
    {
        List<int> Run(int seed) => new TextGenerator(model).Generate(Prompt, new SamplingOptions { Temperature = 1.5, Seed = seed, MaxTokens = 25 }).Select(t => t.Id).ToList();
        Assert.Equal(Run(3), Run(3));
        Assert.NotEqual(Run(3), Run(4));
    }

    [Fact]
    public void Generation_stops_at_a_stop_id_and_includes_it()
    {
        var free = Greedy(new SamplingOptions { Temperature = 0, MaxTokens = 12 }).Select(t => t.Id).ToList();
        int stopAt = Enumerable.Range(2, free.Count - 2).First(i => free.IndexOf(free[i]) == i); // a first occurrence, not at the start
        var stopped = Greedy(new SamplingOptions { Temperature = 0, MaxTokens = 12, StopTokenIds = [free[stopAt]] });
        Assert.Equal(free.Take(stopAt + 1), stopped.Select(t => t.Id));
        Assert.Equal(FinishReason.Stop, stopped[^1].Finish);
    }

    [Fact]
    public void Generation_stops_once_the_decoded_output_contains_a_stop_string_across_tokens()
    {
        static string Decode(IReadOnlyList<int> ids) => string.Concat(ids.Select(id => $"<{id}>"));
        var free = Greedy(new SamplingOptions { Temperature = 0, MaxTokens = 12 });
        // A stop string that starts inside output token 3 and ends inside token 4.
        string stop = $"{free[3].Id}><{free[4].Id}";
        Assert.DoesNotContain(stop, Decode(free.Take(4).Select(t => t.Id).ToList()));
        var stopped = new TextGenerator(model).Generate(Prompt, new SamplingOptions { Temperature = 0, MaxTokens = 12, StopStrings = [stop] }, Decode).ToList();
        Assert.Equal(5, stopped.Count);
        Assert.Equal(FinishReason.Stop, stopped[^1].Finish);
        Assert.Equal(stop, stopped[^1].StopString);
    }

    [Fact]
    public void Reported_logprobs_match_the_full_forward_distribution()
    {
        var tokens = Greedy(new SamplingOptions { Temperature = 0, MaxTokens = 3, TopLogprobs = 2 });
        var sequence = Prompt.ToList();
        foreach (var token in tokens)
        {
            var last = model.ScoreAllPositions(sequence)[^1];
            double max = last.Max();
            double logSum = max + Math.Log(last.Sum(x => Math.Exp(x - max)));
            Assert.Equal(last[token.Id] - logSum, token.Logprob!.Value, 4);
            Assert.Equal(token.Id, token.TopLogprobs[0].Id); // greedy: the chosen token is the most likely
            Assert.Equal(2, token.TopLogprobs.Count);
            sequence.Add(token.Id);
        }
    }

    [Fact]
    public void A_second_turn_in_a_kept_cache_continues_the_conversation()
    {
        var generator = new TextGenerator(model);
        var greedy = new SamplingOptions { Temperature = 0, MaxTokens = 4 };
        using var cache = model.CreateCache();
        var first = generator.Generate(cache, Prompt, greedy).Select(t => t.Id).ToList();
        Assert.Equal(Prompt.Length + 3, cache.Length); // the last produced token is not in the cache yet

        int[] nextTurn = [first[^1], 42, 7];
        var second = generator.Generate(cache, nextTurn, greedy).Select(t => t.Id).ToList();
        var fromScratch = generator.Generate([.. Prompt, .. first[..^1], .. nextTurn], greedy).Select(t => t.Id).ToList();
        Assert.Equal(fromScratch, second);
    }

    [Fact]
    public void Empty_prompt_and_stop_strings_without_decoder_are_rejected()
    {
        var generator = new TextGenerator(model);
        Assert.Contains("at least one token", Assert.Throws<ArgumentException>(() => generator.Generate([], new SamplingOptions())).Message);
        Assert.Contains("decoder", Assert.Throws<ArgumentException>(() => generator.Generate(Prompt, new SamplingOptions { StopStrings = ["x"] })).Message);
        Assert.Empty(generator.Generate(Prompt, new SamplingOptions { MaxTokens = 0 }));
    }

    private List<GeneratedToken> Greedy(SamplingOptions options) => new TextGenerator(model).Generate(Prompt, options).ToList();

    public void Dispose()
    {
        model.Dispose();
        weights.Dispose();
    }
}
