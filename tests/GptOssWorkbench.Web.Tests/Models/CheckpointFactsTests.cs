namespace GptOssWorkbench.Web.Tests.Models;

using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;
using GptOssWorkbench.Web.Models;

public sealed class CheckpointFactsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("workbench-facts-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Parameter_count_from_the_config_matches_the_elements_stored_in_a_bf16_checkpoint()
    {
        var folder = Path.Combine(_directory, "tiny-bf16");
        SyntheticCheckpointWriter.Write(folder, ModelPresets.Get("tiny"), CheckpointLayout.HfBf16, seed: 1);

        var facts = CheckpointFacts.Inspect(folder);

        // Unquantized: every parameter is stored as one element, so bytes / element size counts them.
        var stored = facts.BytesByDType.Sum(kv => kv.Value / (kv.Key switch { "BF16" or "F16" => 2, "F32" => 4, _ => throw new InvalidOperationException(kv.Key) }));
        Assert.Equal(stored, facts.Parameters);
        Assert.Equal("hf-bf16", facts.Layout);
        Assert.Equal(64, facts.Fingerprint.Length);
    }

    [Fact]
    public void A_folder_without_a_checkpoint_gives_an_error_naming_it()
    {
        var empty = Path.Combine(_directory, "empty");
        Directory.CreateDirectory(empty);

        var error = Assert.Throws<CheckpointException>(() => CheckpointFacts.Inspect(empty));

        Assert.Contains(empty, error.Message);
    }

    [Theory]
    [InlineData(512, "512 B")]
    [InlineData(3 * 1024 * 1024, "3.0 MiB")]
    [InlineData(13_958_643_712L, "13.00 GiB")]
    public void Byte_sizes_read_naturally(long bytes, string expected) => Assert.Equal(expected, CheckpointFacts.Bytes(bytes));
}
