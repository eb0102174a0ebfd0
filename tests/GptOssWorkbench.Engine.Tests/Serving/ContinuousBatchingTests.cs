namespace GptOssWorkbench.Engine.Tests.Serving;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Sampling;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Engine.Tests.Model;

/// <summary>
/// The continuous-batching engine against the one-sequence generator (contiguous KV cache, no batching) on a small
/// random fp32 model: whatever shares a step, a request must produce what it produces alone.
/// </summary>
public class ContinuousBatchingTests : IDisposable
{
    private readonly GptOssWorkbench.Engine.Weights.ModelWeights weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 33);
    private readonly GptOssModel model;

    public ContinuousBatchingTests()
    {
        model = new GptOssModel(weights, new EngineOptions { Dtype = ComputePrecision.Float32, Threads = 1 });
    }

    private static int[] Prompt(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(0, 299)).ToArray();
    }

    private static SamplingOptions Greedy(int maxTokens) => new() { Temperature = 0, MaxTokens = maxTokens };

    private List<int> Alone(int[] prompt, SamplingOptions sampling) =>
        new TextGenerator(model).Generate(prompt, sampling).Select(t => t.Id).ToList();

    [Fact]
    public async Task Decode_only_counters_take_the_steps_without_prompt_tokens()
    {
        using var engine = new InferenceEngine(model);
        // One request at a time: its first token comes from the prefill step, the other 5 from decode-only steps.
        Assert.Equal(6, (await engine.Submit(new GenerationRequest(Prompt(7, 8), Greedy(6))).Completion).Tokens.Count);
        var afterOne = engine.Snapshot();
        Assert.Equal(5, afterOne.DecodeOnlyStepTokens);
        Assert.True(afterOne.DecodeOnlyStepSeconds > 0);

        await engine.Submit(new GenerationRequest(Prompt(20, 9), Greedy(4))).Completion;
        var afterTwo = engine.Snapshot();
        Assert.Equal(5 + 3, afterTwo.DecodeOnlyStepTokens);
        Assert.True(afterTwo.DecodeOnlyStepSeconds > afterOne.DecodeOnlyStepSeconds);
        Assert.Equal(afterTwo.DecodeTokens, afterTwo.DecodeOnlyStepTokens); // nothing ever shared a step with a prompt
    }

    [Fact]
    public async Task Greedy_requests_of_different_lengths_give_their_solo_tokens_in_any_batch()
    {
        var prompts = new[] { Prompt(3, 1), Prompt(9, 2), Prompt(21, 3), Prompt(40, 4), Prompt(1, 5) };
        var expected = prompts.Select(p => Alone(p, Greedy(12))).ToArray();

        // All at once.
        using (var engine = new InferenceEngine(model))
        {
            var streams = prompts.Select(p => engine.Submit(new GenerationRequest(p, Greedy(12)))).ToArray();
            for (int i = 0; i < prompts.Length; i++) Assert.Equal(expected[i], (await streams[i].Completion).Tokens);
            Assert.Equal(0, engine.Snapshot().KvBlocksUsed);
        }

        // Different compositions: pairs, and a long one joining after others are mid-decode.
        using (var engine = new InferenceEngine(model))
        {
            var first = engine.Submit(new GenerationRequest(prompts[3], Greedy(12)));
            var second = engine.Submit(new GenerationRequest(prompts[0], Greedy(12)));
            await foreach (var token in first.Tokens)
            {
                break; // the first sequence is decoding now
            }
            var late = engine.Submit(new GenerationRequest(prompts[2], Greedy(12)));
            var later = engine.Submit(new GenerationRequest(prompts[1], Greedy(5)));
            Assert.Equal(expected[3], (await first.Completion).Tokens);
            Assert.Equal(expected[0], (await second.Completion).Tokens);
            Assert.Equal(expected[2], (await late.Completion).Tokens);
            Assert.Equal(expected[1].Take(5), (await later.Completion).Tokens);
            var metrics = engine.Snapshot();
            Assert.Equal(4, metrics.CompletedRequests);
            Assert.True(metrics.DecodeTokens > 0 && metrics.PrefillTokens >= prompts[0].Length + prompts[1].Length + prompts[2].Length + prompts[3].Length);
            Assert.NotNull(metrics.TimeToFirstTokenP50Ms);
            Assert.NotNull(metrics.InterTokenLatencyP50Ms);
        }
    }

    [Fact]
    public async Task A_seeded_sampled_request_gives_the_same_tokens_whatever_shares_the_batch()
    {
        var sampling = new SamplingOptions { Temperature = 1.0, TopK = 50, Seed = 1234, MaxTokens = 15 };
        var prompt = Prompt(11, 7);
        var expected = Alone(prompt, sampling);
        using var engine = new InferenceEngine(model);
        var noise = Enumerable.Range(0, 4).Select(i => engine.Submit(new GenerationRequest(Prompt(5 + 7 * i, 100 + i), new SamplingOptions { Temperature = 1.0, MaxTokens = 10 + i }))).ToArray();
        var seeded = engine.Submit(new GenerationRequest(prompt, sampling));
        Assert.Equal(expected, (await seeded.Completion).Tokens);
        foreach (var stream in noise) Assert.Equal(GenerationFinish.Length, (await stream.Completion).Finish);
    }

    [Fact]
    public async Task Chunked_prefill_gives_the_same_tokens_as_a_whole_prompt()
    {
        var prompt = Prompt(37, 9);
        var expected = Alone(prompt, Greedy(8));
        using var engine = new InferenceEngine(model, options: new ServingOptions { MaxTokensPerStep = 5 });
        var streams = new[] { prompt, Prompt(13, 10) }.Select(p => engine.Submit(new GenerationRequest(p, Greedy(8)))).ToArray();
        Assert.Equal(expected, (await streams[0].Completion).Tokens);
        Assert.Equal(Alone(Prompt(13, 10), Greedy(8)), (await streams[1].Completion).Tokens);
        // 37 prompt tokens at ≤ 5 per step (shared with the other request) take at least 8 steps.
        Assert.True(engine.Snapshot().Steps >= 8 + 7);
    }

    [Fact]
    public async Task Preempted_sequences_are_recomputed_to_the_same_tokens_and_no_block_leaks()
    {
        var prompts = Enumerable.Range(0, 5).Select(i => Prompt(18 + 3 * i, 20 + i)).ToArray();
        var expected = prompts.Select(p => Alone(p, Greedy(30))).ToArray();
        // 14 blocks of 16 tokens: one sequence (≤ 60 tokens) fits, five at once do not.
        long blockBytes = PagedKvCache.BlocksFor(model.Config, TorchSharp.torch.float32, 16, 1 << 20);
        using var engine = new InferenceEngine(model, options: new ServingOptions { KvCacheBytes = (1 << 20) / blockBytes * 14 });
        Assert.Equal(0, engine.Snapshot().KvBlocksUsed);
        Assert.Equal(14, engine.Snapshot().KvBlocksTotal);
        var streams = prompts.Select(p => engine.Submit(new GenerationRequest(p, Greedy(30)))).ToArray();
        for (int i = 0; i < prompts.Length; i++) Assert.Equal(expected[i], (await streams[i].Completion).Tokens);
        var metrics = engine.Snapshot();
        Assert.True(metrics.Preemptions > 0, "the budget was meant to force preemption");
        Assert.Equal(0, metrics.KvBlocksUsed);
    }

    [Fact]
    public async Task A_shared_prompt_prefix_is_reused_from_the_cache_with_identical_logprobs()
    {
        var prefix = Prompt(40, 50); // two whole 16-token blocks are reusable
        int[] first = [.. prefix, 7, 8, 9];
        int[] second = [.. prefix, 100, 101];
        var sampling = new SamplingOptions { Temperature = 0, MaxTokens = 6, TopLogprobs = 5 };

        using var fresh = new InferenceEngine(model);
        var reference = await Collect(fresh.Submit(new GenerationRequest(second, sampling)));
        Assert.Equal(0, fresh.Snapshot().PrefixCacheHitTokens);

        using var engine = new InferenceEngine(model);
        await engine.Submit(new GenerationRequest(first, sampling)).Completion;
        var reused = await Collect(engine.Submit(new GenerationRequest(second, sampling)));
        var metrics = engine.Snapshot();
        Assert.Equal(32, metrics.PrefixCacheHitTokens);
        Assert.Equal(32.0 / (first.Length + second.Length), metrics.PrefixCacheHitRate, 6);

        Assert.Equal(reference.Select(t => t.TokenId), reused.Select(t => t.TokenId));
        for (int i = 0; i < reference.Count; i++)
        {
            Assert.Equal(reference[i].TopLogprobs.Select(t => t.Id), reused[i].TopLogprobs.Select(t => t.Id));
            foreach (var (a, b) in reference[i].TopLogprobs.Zip(reused[i].TopLogprobs)) Assert.Equal(a.Logprob, b.Logprob, 5);
        }
    }

    [Fact]
    public async Task Many_cancellations_at_once_free_every_block()
    {
        using var engine = new InferenceEngine(model);
        var sources = Enumerable.Range(0, 12).Select(_ => new CancellationTokenSource()).ToArray();
        var streams = sources.Select((s, i) => engine.Submit(new GenerationRequest(Prompt(10 + i, 200 + i), Greedy(100_000)), s.Token)).ToArray();
        await foreach (var token in streams[^1].Tokens)
        {
            break; // every request is running by now (they are admitted front first)
        }
        Assert.True(engine.Snapshot().KvBlocksUsed > 0);
        foreach (var source in sources) source.Cancel();
        foreach (var stream in streams) Assert.Equal(GenerationFinish.Cancelled, (await stream.Completion).Finish);
        Assert.Equal(0, engine.Snapshot().KvBlocksUsed);
        Assert.Equal(0, engine.Snapshot().Running);
        foreach (var source in sources) source.Dispose();

        // The engine keeps serving.
        var prompt = Prompt(6, 1);
        Assert.Equal(Alone(prompt, Greedy(4)), (await engine.Submit(new GenerationRequest(prompt, Greedy(4))).Completion).Tokens);
    }

    [Fact]
    public async Task Sliding_window_blocks_are_freed_as_a_sequence_grows()
    {
        using var engine = new InferenceEngine(model);
        var stream = engine.Submit(new GenerationRequest(Prompt(4, 3), Greedy(120)));
        int seen = 0, peak = 0;
        await foreach (var token in stream.Tokens)
        {
            seen++;
            peak = Math.Max(peak, engine.Snapshot().KvBlocksUsed);
        }
        Assert.Equal(120, seen);
        // 124 tokens: 8 full-attention blocks; the window (4) needs at most 2 sliding blocks, not 8.
        Assert.InRange(peak, 8, 10);
        Assert.Equal(0, engine.Snapshot().KvBlocksUsed);
    }

    [Fact]
    public async Task Prompts_beyond_the_kv_budget_are_rejected_and_max_tokens_is_clamped_to_it()
    {
        long blockBytes = PagedKvCache.BlocksFor(model.Config, TorchSharp.torch.float32, 16, 1 << 20);
        using var engine = new InferenceEngine(model, options: new ServingOptions { KvCacheBytes = (1 << 20) / blockBytes * 10, MaxTokensPerStep = 16 });
        var tooLong = await engine.Submit(new GenerationRequest(Prompt(200, 1), Greedy(4))).Completion;
        Assert.Equal(GenerationFinish.Error, tooLong.Finish);
        Assert.Contains("KV cache budget", tooLong.Error);

        var clamped = await engine.Submit(new GenerationRequest(Prompt(20, 2), Greedy(1000))).Completion;
        Assert.Equal(GenerationFinish.Length, clamped.Finish);
        Assert.Contains("clamped from 1000", clamped.Adjustment);
        Assert.InRange(clamped.Tokens.Count, 16, 200);
        Assert.Equal(0, engine.Snapshot().KvBlocksUsed);
    }

    private static async Task<List<TokenEvent>> Collect(GenerationStream stream)
    {
        var events = new List<TokenEvent>();
        await foreach (var token in stream.Tokens) events.Add(token);
        await stream.Completion;
        return events;
    }

    public void Dispose()
    {
        model.Dispose();
        weights.Dispose();
    }
}
