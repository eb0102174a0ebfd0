namespace GptOssWorkbench.Engine.Tests.Weights;

using System.Security.Cryptography;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;
using TorchSharp;
using static TorchSharp.torch;

public class SyntheticCheckpointTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public SyntheticCheckpointTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() => temp.Dispose();

    private static readonly GptOssWorkbench.Engine.Model.ModelConfig Small = ModelPresets.Get("tiny", layers: 2) with { VocabSize = 512 };

    private static Dictionary<string, string> HashFiles(string dir) => Directory.GetFiles(dir).ToDictionary(
        f => Path.GetFileName(f),
        f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Theory]
    [InlineData(CheckpointLayout.HfSingle)]
    [InlineData(CheckpointLayout.HfSharded)]
    [InlineData(CheckpointLayout.Original)]
    [InlineData(CheckpointLayout.HfBf16)]
    public void Same_seed_writes_byte_identical_files_and_another_seed_does_not(CheckpointLayout layout)
    {
        SyntheticCheckpointWriter.Write(temp.Sub("a"), Small, layout, seed: 11);
        SyntheticCheckpointWriter.Write(temp.Sub("b"), Small, layout, seed: 11);
        SyntheticCheckpointWriter.Write(temp.Sub("c"), Small, layout, seed: 12);

        var a = HashFiles(temp.Sub("a"));
        Assert.Equal(a, HashFiles(temp.Sub("b")));
        var c = HashFiles(temp.Sub("c"));
        Assert.Equal(a.Keys.Order(), c.Keys.Order());
        Assert.Contains(a.Keys, name => name.EndsWith(".safetensors") && a[name] != c[name]);
        Assert.Equal(CheckpointLoader.Inspect(temp.Sub("a")).Fingerprint, CheckpointLoader.Inspect(temp.Sub("b")).Fingerprint);
    }

    [Fact]
    public void Random_weights_have_the_intended_scales()
    {
        SyntheticCheckpointWriter.Write(temp.Sub("m"), Small, CheckpointLayout.HfSingle, seed: 5);
        using var w = CheckpointLoader.Load(temp.Sub("m"));

        using var embedding = w.Embedding.to_type(ScalarType.Float32);
        var std = embedding.std().item<float>();
        Assert.InRange(std, 0.018f, 0.022f);
        using var norm = w.Layers[0].AttentionNorm.to_type(ScalarType.Float32);
        Assert.InRange(norm.mean().item<float>(), 0.98f, 1.02f);

        var scales = w.Layers[1].Experts.DownPacked!.Scales;
        Assert.Equal(120, scales.min().item<byte>());
        Assert.Equal(122, scales.max().item<byte>());
        using var expert = Mxfp4.Dequantize(w.Layers[1].Experts.GateUpPacked!, 3);
        Assert.True(expert.abs().max().item<float>() <= 6f / 32f, "|w| <= 6 · 2^-5");
        Assert.True(expert.isfinite().all().item<bool>());
    }

    [Fact]
    public void Layers_option_cuts_depth_of_a_real_shape_preset_without_changing_widths()
    {
        var config = ModelPresets.Get("120b-shape", layers: 3);
        Assert.Equal(3, config.NumLayers);
        Assert.Equal(new[] { true, false, true }, config.SlidingLayers);
        Assert.Equal(128, config.NumExperts);
        Assert.Equal(2880, config.HiddenSize);
        Assert.Equal(4096, config.QueryWidth);
        Assert.Equal(24, ModelPresets.Get("20b-shape").NumLayers);
        Assert.Throws<ArgumentException>(() => ModelPresets.Get("7b"));
    }
}
