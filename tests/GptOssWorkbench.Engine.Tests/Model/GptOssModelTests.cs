namespace GptOssWorkbench.Engine.Tests.Model;

using GptOssWorkbench.Engine.Model;
using Xunit.Abstractions;

public class GptOssModelTests(ITestOutputHelper output)
{
    // 13 tokens: longer than the sliding window (4), so even layers really drop keys.
    private static readonly int[] Sequence = [17, 256, 3, 98, 98, 144, 7, 299, 12, 61, 200, 5, 131];

    private static readonly EngineOptions Fp32 = new() { Dtype = ComputePrecision.Float32 };
    private static readonly EngineOptions Bf16 = new() { Dtype = ComputePrecision.BFloat16 };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Fp32_logits_match_the_naive_reference_at_every_position(bool packedExperts)
    {
        using var weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 1, packedExperts);
        var expected = new NaiveReference(weights).Logits(Sequence);
        using var model = new GptOssModel(weights, Fp32);
        var actual = model.ScoreAllPositions(Sequence);

        Assert.Equal(Sequence.Length, actual.Length);
        double maxDiff = 0;
        for (int p = 0; p < Sequence.Length; p++)
        {
            Assert.Equal(weights.Config.VocabSize, actual[p].Length);
            for (int v = 0; v < actual[p].Length; v++)
            {
                double diff = Math.Abs(actual[p][v] - expected[p][v]);
                maxDiff = Math.Max(maxDiff, diff);
                Assert.True(diff <= 1e-4 + 1e-5 * Math.Abs(expected[p][v]), $"position {p}, id {v}: engine {actual[p][v]} vs reference {expected[p][v]}");
            }
        }
        output.WriteLine($"max |fp32 engine - naive reference| = {maxDiff:E3}, max |logit| = {expected.Max(r => r.Max(Math.Abs)):F3}");
    }

    [Fact]
    public void Token_by_token_decode_and_prefill_then_decode_equal_the_full_forward()
    {
        using var weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 2);
        using var model = new GptOssModel(weights, Fp32);
        var full = model.ScoreAllPositions(Sequence);

        using (var cache = model.CreateCache(capacity: 2)) // tiny capacity forces the full layers to grow
        {
            for (int p = 0; p < Sequence.Length; p++)
            {
                using var logits = model.Forward([Sequence[p]], cache);
                AssertClose(full[p], GptOssModel.ToRows(logits)[0], $"token-by-token position {p}");
            }
            Assert.Equal(Sequence.Length, cache.Length);
        }

        using (var cache = model.CreateCache())
        {
            int prompt = 7; // longer than the window: the sliding ring keeps only the last 4 prompt keys
            using (var logits = model.Forward(Sequence[..prompt], cache))
            {
                AssertClose(full[prompt - 1], GptOssModel.ToRows(logits)[0], "prefill last position");
            }
            for (int p = prompt; p < Sequence.Length; p++)
            {
                using var logits = model.Forward([Sequence[p]], cache);
                AssertClose(full[p], GptOssModel.ToRows(logits)[0], $"decode after prefill, position {p}");
            }
        }
    }

    [Fact]
    public void Chunked_prefill_with_chunks_longer_than_the_window_equals_the_full_forward()
    {
        using var weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 3);
        using var model = new GptOssModel(weights, Fp32);
        var full = model.ScoreAllPositions(Sequence);

        using var cache = model.CreateCache();
        int position = 0;
        foreach (var chunk in Sequence.Chunk(6))
        {
            using var logits = model.Forward(chunk, cache, allPositions: true);
            var rows = GptOssModel.ToRows(logits);
            for (int r = 0; r < rows.Length; r++) AssertClose(full[position + r], rows[r], $"chunked position {position + r}");
            position += chunk.Length;
        }
    }

    [Fact]
    public void Chunked_prefill_helper_gives_the_last_position_of_the_full_forward()
    {
        using var weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 3);
        using var model = new GptOssModel(weights, Fp32);
        using var cache = model.CreateCache();
        using var logits = model.Prefill(Sequence, cache, chunkSize: 5);
        Assert.Equal(Sequence.Length, cache.Length);
        AssertClose(model.ScoreAllPositions(Sequence)[^1], GptOssModel.ToRows(logits)[0], "prefill in chunks of 5");
    }

    [Fact]
    public void Prefill_returns_only_the_last_position_unless_all_are_requested()
    {
        using var weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 4);
        using var model = new GptOssModel(weights, Fp32);
        using var cache = model.CreateCache();
        using var logits = model.Forward(Sequence, cache);
        Assert.Equal([1L, weights.Config.VocabSize], logits.shape);
        AssertClose(model.ScoreAllPositions(Sequence)[^1], GptOssModel.ToRows(logits)[0], "last position");
    }

    [Fact]
    public void Bf16_logits_stay_within_two_percent_of_fp32_and_greedy_continuations_agree()
    {
        // On this seed no router top-k choice is a near-tie; where one is (spec section 9), bf16 rounding can
        // flip the routing and a single position then differs by far more than 2% (seen: 5.6% with seed 8).
        using var weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 4);
        using var fp32 = new GptOssModel(weights, Fp32);
        using var bf16 = new GptOssModel(weights, Bf16);
        var reference = fp32.ScoreAllPositions(Sequence);
        var fast = bf16.ScoreAllPositions(Sequence);
        double worst = 0;
        for (int p = 0; p < Sequence.Length; p++)
        {
            double scale = reference[p].Max(Math.Abs);
            double diff = reference[p].Zip(fast[p], (a, b) => Math.Abs(a - b)).Max();
            worst = Math.Max(worst, diff / scale);
            Assert.True(diff <= 0.02 * scale, $"position {p}: max |bf16 - fp32| = {diff} exceeds 2% of max|logit| {scale}");
        }
        output.WriteLine($"worst max|bf16 - fp32| / max|logit| over positions = {worst:P3}");

        Assert.Equal(Greedy(fp32, Sequence[..5], 20), Greedy(bf16, Sequence[..5], 20));
    }

    [Fact]
    public void Bf16_decode_on_the_dense_kernel_stays_as_close_to_fp32_as_libtorch_linear() =>
        AssertDecodeAsCloseToFp32(Bf16, Bf16 with { DenseKernelMaxRows = 0 }, "dense kernel", "libtorch linear");

    [Fact]
    public void Bf16_decode_on_the_grouped_expert_kernels_stays_as_close_to_fp32_as_the_tensor_path() =>
        AssertDecodeAsCloseToFp32(Bf16, Bf16 with { ExpertMatmul = new DequantizingExpertMatmul() }, "grouped expert kernels", "dequantize + libtorch");

    /// <summary>
    /// Decodes the sequence one token per step (the kernel paths' case) with both options and compares each with
    /// the fp32 reference: the fast path must stay within the 2 % rule and not drift much further than the other.
    /// </summary>
    private void AssertDecodeAsCloseToFp32(EngineOptions fastOptions, EngineOptions slowOptions, string fastName, string slowName)
    {
        using var weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 9);
        using var exact = new GptOssModel(weights, Fp32);
        using var fast = new GptOssModel(weights, fastOptions);
        using var slow = new GptOssModel(weights, slowOptions);
        var reference = exact.ScoreAllPositions(Sequence);
        using var fastCache = fast.CreateCache();
        using var slowCache = slow.CreateCache();
        double fastWorst = 0, slowWorst = 0;
        for (int p = 0; p < Sequence.Length; p++)
        {
            using var fastLogits = fast.Forward([Sequence[p]], fastCache);
            using var slowLogits = slow.Forward([Sequence[p]], slowCache);
            double scale = reference[p].Max(Math.Abs);
            fastWorst = Math.Max(fastWorst, MaxDiff(GptOssModel.ToRows(fastLogits)[0], reference[p]) / scale);
            slowWorst = Math.Max(slowWorst, MaxDiff(GptOssModel.ToRows(slowLogits)[0], reference[p]) / scale);
        }
        output.WriteLine($"worst |bf16 - fp32| / max|logit|: {fastName} {fastWorst:P2}, {slowName} {slowWorst:P2}");
        Assert.True(fastWorst <= 0.02, $"{fastName}: {fastWorst:P2} of max|logit| from fp32");
        Assert.True(fastWorst <= slowWorst * 1.5, $"{fastName} {fastWorst:P2} is further from fp32 than {slowName} {slowWorst:P2}");
    }

    private static double MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max();

    [Fact]
    public void A_batched_step_over_several_sequences_equals_running_each_alone()
    {
        using var weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 8);
        using var model = new GptOssModel(weights, Fp32);
        int[] a = Sequence[..5], b = Sequence[3..9], c = Sequence;

        // Alone: full-sequence logits of each.
        var aloneA = model.ScoreAllPositions(a);
        var aloneB = model.ScoreAllPositions(b);
        var aloneC = model.ScoreAllPositions(c);

        // Batched: A prefills, B decodes its 4th token after a 3-token prefill, C prefills with all positions.
        using var cacheA = model.CreateCache();
        using var cacheB = model.CreateCache();
        using var cacheC = model.CreateCache();
        using (var _ = model.Forward(b[..3], cacheB)) { }
        var logits = model.Forward([new SequenceStep(cacheA, a), new SequenceStep(cacheB, [b[3]]), new SequenceStep(cacheC, c, AllPositions: true)]);
        try
        {
            AssertClose(aloneA[^1], GptOssModel.ToRows(logits[0])[0], "batched A");
            AssertClose(aloneB[3], GptOssModel.ToRows(logits[1])[0], "batched B");
            var rowsC = GptOssModel.ToRows(logits[2]);
            Assert.Equal(c.Length, rowsC.Length);
            for (int p = 0; p < c.Length; p++) AssertClose(aloneC[p], rowsC[p], $"batched C position {p}");
        }
        finally
        {
            foreach (var t in logits) t.Dispose();
        }

        // Next step: only A and B decode; each continues from its own cache.
        var next = model.Forward([new SequenceStep(cacheB, [b[4]]), new SequenceStep(cacheA, [Sequence[5]])]);
        AssertClose(aloneB[4], GptOssModel.ToRows(next[0])[0], "second step B");
        AssertClose(model.ScoreAllPositions(Sequence[..6])[^1], GptOssModel.ToRows(next[1])[0], "second step A");
        foreach (var t in next) t.Dispose();

        Assert.Throws<ArgumentException>(() => model.Forward([new SequenceStep(cacheA, [1]), new SequenceStep(cacheA, [2])]));
    }

    [Fact]
    public void Out_of_range_token_is_rejected_with_its_id()
    {
        using var weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 6);
        using var model = new GptOssModel(weights, Fp32);
        using var cache = model.CreateCache();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward([1, 300], cache));
        Assert.Contains("300", error.Message);
        Assert.Equal(0, cache.Length);
    }

    [Fact]
    public void Layer_timing_callback_reports_every_layer_once_per_step()
    {
        using var weights = RandomWeights.Build(RandomWeights.SmallConfig(layers: 4), seed: 7);
        using var model = new GptOssModel(weights, Fp32);
        var seen = new List<int>();
        model.LayerTimed = (layer, elapsed) => { seen.Add(layer); Assert.True(elapsed > TimeSpan.Zero); };
        using var cache = model.CreateCache();
        using var logits = model.Forward([1, 2, 3], cache);
        Assert.Equal([0, 1, 2, 3], seen);
    }

    internal static List<int> Greedy(GptOssModel model, int[] prompt, int count)
    {
        using var cache = model.CreateCache();
        var produced = new List<int>();
        var next = prompt;
        for (int n = 0; n < count; n++)
        {
            using var logits = model.Forward(next, cache);
            var row = GptOssModel.ToRows(logits)[0];
            int best = 0;
            for (int v = 1; v < row.Length; v++) if (row[v] > row[best]) best = v;
            produced.Add(best);
            next = [best];
        }
        return produced;
    }

    private static void AssertClose(float[] expected, float[] actual, string where)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int v = 0; v < expected.Length; v++)
        {
            Assert.True(Math.Abs(expected[v] - actual[v]) <= 1e-4 + 1e-5 * Math.Abs(expected[v]), $"{where}, id {v}: {actual[v]} vs {expected[v]}");
        }
    }
}
