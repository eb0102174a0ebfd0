namespace GptOssWorkbench.Cli.Tests;

using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;

/// <summary>One synthetic "tiny" checkpoint (real vocabulary, 4 layers) on disk, shared by a test class.</summary>
public sealed class TinyCheckpoint : IDisposable
{
    public TinyCheckpoint()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("gptoss-cli-").FullName;
        SyntheticCheckpointWriter.Write(Directory, ModelPresets.Get("tiny"), CheckpointLayout.HfSingle, seed: 3);
    }

    public string Directory { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
