namespace GptOssWorkbench.Engine.Tests.Model;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;

/// <summary>The model on weights loaded from real checkpoint files, in every layout the loader accepts.</summary>
public class CheckpointModelTests : IDisposable
{
    private static readonly int[] Sequence = [4, 150, 299, 23, 23, 87, 0, 260, 111];
    private readonly string root = Directory.CreateTempSubdirectory("gptoss-model-").FullName;

    [Theory]
    [InlineData(CheckpointLayout.HfSingle)]
    [InlineData(CheckpointLayout.HfSharded)]
    [InlineData(CheckpointLayout.Original)]
    [InlineData(CheckpointLayout.HfBf16)]
    public void Every_layout_gives_the_naive_reference_logits(CheckpointLayout layout)
    {
        var directory = Path.Combine(root, layout.Name());
        SyntheticCheckpointWriter.Write(directory, RandomWeights.SmallConfig() with { EosTokenIds = [] }, layout, seed: 9);
        using var weights = CheckpointLoader.Load(directory);
        var expected = new NaiveReference(weights).Logits(Sequence);
        using var model = new GptOssModel(weights, new EngineOptions { Dtype = ComputePrecision.Float32 });
        var actual = model.ScoreAllPositions(Sequence);
        for (int p = 0; p < Sequence.Length; p++)
        {
            for (int v = 0; v < actual[p].Length; v++)
            {
                Assert.True(Math.Abs(actual[p][v] - expected[p][v]) <= 1e-4 + 1e-5 * Math.Abs(expected[p][v]),
                    $"{layout.Name()} position {p}, id {v}: engine {actual[p][v]} vs reference {expected[p][v]}");
            }
        }
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
