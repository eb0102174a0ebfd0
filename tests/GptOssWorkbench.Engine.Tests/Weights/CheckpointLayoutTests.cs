namespace GptOssWorkbench.Engine.Tests.Weights;

using System.Text.Json;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

public class CheckpointLayoutTests(SyntheticCheckpoints checkpoints) : IClassFixture<SyntheticCheckpoints>
{
    private static void AssertSame(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(",", actual.shape)}] vs [{string.Join(",", expected.shape)}]");
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype} vs {expected.dtype}");
        Assert.True(Equal(expected, actual), $"{what}: values differ");
    }

    private static bool Equal(Tensor a, Tensor b)
    {
        using var elementwise = a.eq(b);
        using var all = elementwise.all();
        return all.item<bool>();
    }

    private static IEnumerable<(string Name, Tensor Tensor)> NonExpertTensors(ModelWeights w)
    {
        yield return ("embedding", w.Embedding);
        yield return ("final norm", w.FinalNorm);
        yield return ("unembedding", w.Unembedding);
        for (var n = 0; n < w.Layers.Count; n++)
        {
            var l = w.Layers[n];
            yield return ($"{n}.attn norm", l.AttentionNorm);
            yield return ($"{n}.q", l.QueryWeight);
            yield return ($"{n}.q bias", l.QueryBias);
            yield return ($"{n}.k", l.KeyWeight);
            yield return ($"{n}.k bias", l.KeyBias);
            yield return ($"{n}.v", l.ValueWeight);
            yield return ($"{n}.v bias", l.ValueBias);
            yield return ($"{n}.o", l.OutputWeight);
            yield return ($"{n}.o bias", l.OutputBias);
            yield return ($"{n}.sinks", l.Sinks);
            yield return ($"{n}.mlp norm", l.MlpNorm);
            yield return ($"{n}.router", l.RouterWeight);
            yield return ($"{n}.router bias", l.RouterBias);
            yield return ($"{n}.gate_up bias", l.Experts.GateUpBias);
            yield return ($"{n}.down bias", l.Experts.DownBias);
        }
    }

    [Theory]
    [InlineData(CheckpointLayout.HfSingle)]
    [InlineData(CheckpointLayout.HfSharded)]
    [InlineData(CheckpointLayout.Original)]
    [InlineData(CheckpointLayout.HfBf16)]
    public void Each_layout_is_detected_and_has_the_config_it_was_written_with(CheckpointLayout layout)
    {
        using var loaded = CheckpointLoader.Open(checkpoints.PathOf(layout));
        Assert.Equal(layout, loaded.Info.Layout);
        var expected = SyntheticCheckpoints.Config;
        var actual = loaded.Weights.Config;
        Assert.Equal(expected with { SlidingLayers = [], EosTokenIds = [] }, actual with { SlidingLayers = [], EosTokenIds = [] });
        Assert.Equal(new[] { true, false, true }, actual.SlidingLayers);
        Assert.Equal(new[] { 200002, 199999, 200012 }, actual.EosTokenIds);
        Assert.Equal(3, loaded.Weights.Layers.Count);
        Assert.Equal(layout == CheckpointLayout.HfBf16, !loaded.Weights.Layers[0].Experts.IsPacked);
    }

    [Theory]
    [InlineData(CheckpointLayout.HfSharded)]
    [InlineData(CheckpointLayout.Original)]
    [InlineData(CheckpointLayout.HfBf16)]
    public void Non_expert_tensors_are_identical_to_layout_A(CheckpointLayout layout)
    {
        using var a = CheckpointLoader.Load(checkpoints.PathOf(CheckpointLayout.HfSingle));
        using var other = CheckpointLoader.Load(checkpoints.PathOf(layout));
        foreach (var ((name, expected), (_, actual)) in NonExpertTensors(a).Zip(NonExpertTensors(other)))
        {
            AssertSame(expected, actual, $"{layout} {name}");
        }
    }

    [Fact]
    public void Original_fused_qkv_splits_into_the_hf_q_k_v_with_the_right_shapes()
    {
        using var a = CheckpointLoader.Load(checkpoints.PathOf(CheckpointLayout.HfSingle));
        using var c = CheckpointLoader.Load(checkpoints.PathOf(CheckpointLayout.Original));
        var config = SyntheticCheckpoints.Config;
        for (var n = 0; n < config.NumLayers; n++)
        {
            Assert.Equal(new long[] { 64, 64 }, c.Layers[n].QueryWeight.shape);   // nq·d = 4·16
            Assert.Equal(new long[] { 32, 64 }, c.Layers[n].KeyWeight.shape);     // nkv·d = 2·16
            Assert.Equal(new long[] { 32 }, c.Layers[n].ValueBias.shape);
            AssertSame(a.Layers[n].QueryWeight, c.Layers[n].QueryWeight, $"q {n}");
            AssertSame(a.Layers[n].KeyWeight, c.Layers[n].KeyWeight, $"k {n}");
            AssertSame(a.Layers[n].ValueWeight, c.Layers[n].ValueWeight, $"v {n}");
            AssertSame(a.Layers[n].KeyBias, c.Layers[n].KeyBias, $"k bias {n}");
            AssertSame(a.Layers[n].ValueBias, c.Layers[n].ValueBias, $"v bias {n}");
            // q, k and v must be different tensors (a wrong split offset would make two of them overlap).
            Assert.False(Equal(c.Layers[n].KeyWeight, c.Layers[n].ValueWeight));
        }
    }

    [Theory]
    [InlineData(CheckpointLayout.HfSingle)]
    [InlineData(CheckpointLayout.HfSharded)]
    [InlineData(CheckpointLayout.Original)]
    public void Dequantized_packed_experts_equal_layout_D_dense_experts(CheckpointLayout layout)
    {
        using var packed = CheckpointLoader.Load(checkpoints.PathOf(layout));
        using var dense = CheckpointLoader.Load(checkpoints.PathOf(CheckpointLayout.HfBf16));
        var config = SyntheticCheckpoints.Config;
        for (var n = 0; n < config.NumLayers; n++)
        {
            var p = packed.Layers[n].Experts;
            var d = dense.Layers[n].Experts;
            // Output-major as ExpertWeights documents: [E, 2I, H] and [E, H, I], with I (32) != H (64).
            Assert.Equal(new long[] { 8, 64, 64 }, d.GateUpDense!.shape);
            Assert.Equal(new long[] { 8, 64, 32 }, d.DownDense!.shape);
            for (var e = 0; e < config.NumExperts; e++)
            {
                using var gateUp = Mxfp4.Dequantize(p.GateUpPacked!, e);
                using var down = Mxfp4.Dequantize(p.DownPacked!, e);
                using var denseGateUp = d.GateUpDense[e].to_type(ScalarType.Float32);
                using var denseDown = d.DownDense[e].to_type(ScalarType.Float32);
                AssertSame(gateUp, denseGateUp, $"{layout} layer {n} expert {e} gate_up");
                AssertSame(down, denseDown, $"{layout} layer {n} expert {e} down");
            }
        }
    }

    [Fact]
    public void Packed_blocks_and_scales_are_identical_across_A_B_and_C()
    {
        using var a = CheckpointLoader.Load(checkpoints.PathOf(CheckpointLayout.HfSingle));
        using var b = CheckpointLoader.Load(checkpoints.PathOf(CheckpointLayout.HfSharded));
        using var c = CheckpointLoader.Load(checkpoints.PathOf(CheckpointLayout.Original));
        foreach (var other in new[] { b, c })
        {
            for (var n = 0; n < a.Layers.Count; n++)
            {
                AssertSame(a.Layers[n].Experts.GateUpPacked!.Blocks, other.Layers[n].Experts.GateUpPacked!.Blocks, $"blocks {n}");
                AssertSame(a.Layers[n].Experts.GateUpPacked!.Scales, other.Layers[n].Experts.GateUpPacked!.Scales, $"scales {n}");
                AssertSame(a.Layers[n].Experts.DownPacked!.Blocks, other.Layers[n].Experts.DownPacked!.Blocks, $"down blocks {n}");
                AssertSame(a.Layers[n].Experts.DownPacked!.Scales, other.Layers[n].Experts.DownPacked!.Scales, $"down scales {n}");
            }
        }
    }

    [Fact]
    public void Sharded_layout_uses_zero_based_hub_names_and_splits_blocks_from_scales()
    {
        var dir = checkpoints.PathOf(CheckpointLayout.HfSharded);
        Assert.True(File.Exists(Path.Combine(dir, "model-00000-of-00002.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "model-00002-of-00002.safetensors")));
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "model.safetensors.index.json")));
        var map = index.RootElement.GetProperty("weight_map");
        Assert.NotEqual(
            map.GetProperty("model.layers.0.mlp.experts.gate_up_proj_blocks").GetString(),
            map.GetProperty("model.layers.0.mlp.experts.gate_up_proj_scales").GetString());
        var totalSize = index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64();
        Assert.Equal(CheckpointLoader.Inspect(dir).WeightBytes, totalSize);
    }

    [Fact]
    public void Folder_holding_only_original_subfolder_loads_from_it()
    {
        var parent = checkpoints.Temp.Sub("hub-download");
        var original = Path.Combine(parent, "original");
        Directory.CreateDirectory(original);
        foreach (var file in Directory.GetFiles(checkpoints.PathOf(CheckpointLayout.Original)))
        {
            File.Copy(file, Path.Combine(original, Path.GetFileName(file)));
        }

        using var loaded = CheckpointLoader.Open(parent);
        Assert.Equal(CheckpointLayout.Original, loaded.Info.Layout);
        Assert.Equal(original, loaded.Info.Root);
        Assert.Equal(parent, loaded.Info.Directory);
    }

    [Fact]
    public void Info_counts_tensors_and_bytes_by_dtype_from_the_dimensions()
    {
        var config = SyntheticCheckpoints.Config;
        long v = config.VocabSize, h = config.HiddenSize, q = config.QueryWidth, kv = config.KeyValueWidth, e = config.NumExperts, i = config.IntermediateSize, l = config.NumLayers;
        // Per layer bf16 values: 2 norms, q/k/v/o weights and biases, sinks, router, expert biases.
        var perLayerBf16 = 2 * h + (q * h + q) + 2 * (kv * h + kv) + (h * q + h) + config.NumAttentionHeads + (e * h + e) + e * 2 * i + e * h;
        var perLayerU8 = e * 2 * i * (h / 32) * 17 + e * h * (i / 32) * 17; // 16 code bytes + 1 scale byte per block

        var a = CheckpointLoader.Inspect(checkpoints.PathOf(CheckpointLayout.HfSingle));
        Assert.Equal(3 + 19 * l, a.TensorCount);
        Assert.Equal(2 * (2 * v * h + h + l * perLayerBf16), a.BytesByDType["BF16"]);
        Assert.Equal(l * perLayerU8, a.BytesByDType["U8"]);

        var c = CheckpointLoader.Inspect(checkpoints.PathOf(CheckpointLayout.Original));
        Assert.Equal(3 + 15 * l, c.TensorCount);
        Assert.Equal(a.BytesByDType, c.BytesByDType);

        var d = CheckpointLoader.Inspect(checkpoints.PathOf(CheckpointLayout.HfBf16));
        Assert.Equal(3 + 17 * l, d.TensorCount);
        Assert.False(d.BytesByDType.ContainsKey("U8"));
        Assert.Equal(2 * (2 * v * h + h + l * (perLayerBf16 + e * 2 * i * h + e * h * i)), d.BytesByDType["BF16"]);

        // KV: full layers (1 of 3) grow by K+V of nkv·d bf16 values per token; sliding ones (2) hold window slots.
        Assert.Equal(1 * 2 * kv * 2, a.KvBytesPerToken());
        Assert.Equal(2 * config.SlidingWindow * 2 * kv * 2, a.SlidingKvBytesPerSequence());
    }
}
