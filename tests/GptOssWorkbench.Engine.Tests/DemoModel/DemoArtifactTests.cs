namespace GptOssWorkbench.Engine.Tests.DemoModel;

using System.IO.Compression;
using GptOssWorkbench.Engine.DemoModel;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Tests.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;

// Builds TrainableGptOss models, which use temporary TorchSharp scalars: runs alone like TrainableModelTests.
[Collection(nameof(TrainableModelTests))]
public class DemoArtifactTests
{
    private static readonly Lazy<DemoVocabulary> Vocabulary = new(() => DemoVocabulary.ForTasks(sampleProblems: 1500));

    private static string WriteArtifact(TempDirectory temp, int seed)
    {
        using var model = new TrainableGptOss(DemoModelConfig.Nano, Vocabulary.Value, seed);
        var path = temp.Sub($"nano-{seed}.bin.gz");
        DemoArtifact.Write(model, path);
        return path;
    }

    private static bool SameValues(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b)
    {
        using var equal = a.eq(b).all();
        return equal.item<bool>();
    }

    [Fact]
    public void The_same_artifact_expands_to_byte_identical_checkpoints()
    {
        using var temp = new TempDirectory();
        var artifact = WriteArtifact(temp, seed: 4);
        var first = DemoModelInstaller.EnsureExpanded(artifact, temp.Sub("a"));
        var second = DemoModelInstaller.EnsureExpanded(artifact, temp.Sub("b"));
        var names = Directory.GetFiles(first).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["config.json", DemoModelInstaller.StampFile, "generation_config.json", "model.safetensors"], names);
        foreach (var name in names)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(first, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second, name))), $"{name} differs");
        }
    }

    [Fact]
    public void The_expanded_checkpoint_has_the_full_vocabulary_mxfp4_experts_and_harmony_stop_ids()
    {
        using var temp = new TempDirectory();
        var directory = DemoModelInstaller.EnsureExpanded(WriteArtifact(temp, seed: 5), temp.Sub("model"));
        var info = CheckpointLoader.Inspect(directory);
        Assert.Equal(CheckpointLayout.HfSingle, info.Layout);
        using var weights = CheckpointLoader.Load(directory);
        Assert.Equal([HarmonyTokens.VocabularySize, 64], weights.Embedding.shape);
        Assert.Equal([HarmonyTokens.VocabularySize, 64], weights.Unembedding.shape);
        Assert.True(weights.Layers[3].Experts.IsPacked);
        Assert.Contains(HarmonyTokens.Return, weights.Config.EosTokenIds);
        Assert.Contains(HarmonyTokens.Call, weights.Config.EosTokenIds);
        Assert.Equal([true, false, true, false], weights.Config.SlidingLayers);
        // Unused ids share one row; a used id has its own.
        Assert.True(SameValues(weights.Unembedding[5], weights.Unembedding[150000]));
        Assert.False(SameValues(weights.Unembedding[DigitTokens.SingleDigits[3]], weights.Unembedding[150000]));
    }

    [Fact]
    public void Expanding_again_reuses_a_complete_folder_and_redoes_a_stale_one()
    {
        using var temp = new TempDirectory();
        var target = temp.Sub("model");
        DemoModelInstaller.EnsureExpanded(WriteArtifact(temp, seed: 6), target);
        var weightsFile = Path.Combine(target, "model.safetensors");
        var written = File.GetLastWriteTimeUtc(weightsFile);
        DemoModelInstaller.EnsureExpanded(temp.Sub("nano-6.bin.gz"), target);
        Assert.Equal(written, File.GetLastWriteTimeUtc(weightsFile));

        // A different artifact (or a stamp left by an interrupted copy) no longer matches: the folder is rebuilt.
        var other = WriteArtifact(temp, seed: 7);
        DemoModelInstaller.EnsureExpanded(other, target);
        using var weights = CheckpointLoader.Load(target);
        using var fresh = CheckpointLoader.Load(DemoModelInstaller.EnsureExpanded(other, temp.Sub("fresh")));
        Assert.True(SameValues(weights.Embedding, fresh.Embedding));
    }

    [Fact]
    public void A_corrupt_artifact_gives_a_clear_error_and_leaves_the_existing_model_untouched()
    {
        using var temp = new TempDirectory();
        var target = temp.Sub("model");
        DemoModelInstaller.EnsureExpanded(WriteArtifact(temp, seed: 8), target);
        var before = File.ReadAllBytes(Path.Combine(target, "model.safetensors"));

        var corrupt = temp.Sub("corrupt.bin.gz");
        using (var file = File.Create(corrupt))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            gzip.Write(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 });
        }
        var e = Assert.ThrowsAny<Exception>(() => DemoModelInstaller.EnsureExpanded(corrupt, target));
        Assert.Contains("demo model artifact is corrupt", e.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(target, "model.safetensors")));
        Assert.Empty(Directory.GetDirectories(temp.Path, ".model.expanding-*", SearchOption.TopDirectoryOnly));
    }
}
