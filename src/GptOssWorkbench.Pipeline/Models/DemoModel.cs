namespace GptOssWorkbench.Pipeline.Models;

using GptOssWorkbench.Engine.DemoModel;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;

/// <summary>
/// The model a fresh install starts with, so every page and the job pipeline work with no download. When the
/// engine ships the trained gpt-oss-nano artifact (docs/demo-model.md) that is the demo: it really reasons about
/// small arithmetic problems. Otherwise it is the "tiny" preset with random weights, whose output is noise, and it
/// says so everywhere. Both are pure functions of data in the build, so any process (a worker on another machine)
/// recreates an identical copy (same fingerprint) instead of sharing the folder.
/// </summary>
public static class DemoModel
{
    private const long Seed = 20260101;

    public static bool IsTrained => DemoModelInstaller.HasEmbeddedArtifact;

    public static string Name => IsTrained ? DemoModelConfig.ModelName : "tiny-random-demo";

    public static string Description => IsTrained
        ? DemoModelConfig.Description
        : "Demo model with random weights — output is noise. Configure a real model (Models:Folders) to get answers.";

    /// <summary>What the Models page badge says about a demo model: only the random-weight fallback is noise.</summary>
    public static string BadgeFor(string modelName) =>
        modelName == DemoModelConfig.ModelName ? "demo · trained on arithmetic only" : "demo · random weights";

    /// <summary>Enough for the trained model's high-effort reasoning plus its answer.</summary>
    public static int DefaultMaxTokens => IsTrained ? 256 : 64;

    public static string FolderIn(string modelsDirectory) => Path.Combine(modelsDirectory, Name);

    /// <summary>Writes the demo checkpoint unless it is already there (staged, then renamed, so a crash never leaves half a model).</summary>
    public static string EnsureWritten(string folder)
    {
        if (IsTrained) return DemoModelInstaller.EnsureExpanded(folder);
        if (File.Exists(Path.Combine(folder, "config.json"))) return folder;
        var parent = Path.GetDirectoryName(Path.GetFullPath(folder))!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Name}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        SyntheticCheckpointWriter.Write(temp, ModelPresets.Get("tiny"), CheckpointLayout.HfSingle, Seed);
        try
        {
            Directory.Move(temp, folder);
        }
        catch (IOException) when (File.Exists(Path.Combine(folder, "config.json")))
        {
            // Another process wrote it first; the content is identical.
            Directory.Delete(temp, recursive: true);
        }
        return folder;
    }
}
