namespace GptOssWorkbench.Engine.Tests.Weights;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;

/// <summary>
/// The four layouts written once from one seed (a tiny model with a short vocabulary, to keep tests fast),
/// shared by the tests of a class.
/// </summary>
public sealed class SyntheticCheckpoints : IDisposable
{
    public const long Seed = 7;
    private readonly TempDirectory temp = new();

    public SyntheticCheckpoints()
    {
        TorchRuntime.EnsureLoaded();
        foreach (var layout in Enum.GetValues<CheckpointLayout>())
        {
            SyntheticCheckpointWriter.Write(PathOf(layout), Config, layout, Seed);
        }
    }

    /// <summary>The tiny preset with 3 layers (odd, so the last is sliding) and a 1000-token vocabulary.</summary>
    public static ModelConfig Config { get; } = ModelPresets.Get("tiny", layers: 3) with { VocabSize = 1000 };

    public string PathOf(CheckpointLayout layout) => temp.Sub(layout.Name());

    public TempDirectory Temp => temp;

    public void Dispose() => temp.Dispose();
}
