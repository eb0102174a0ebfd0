namespace GptOssWorkbench.Pipeline.Models;

using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;

/// <summary>
/// The model a fresh install starts with: the "tiny" preset with random weights. It lets every page and the job
/// pipeline work end to end with no download, but what it writes is noise, and it says so everywhere.
/// The weights are a pure function of the seed, so any process (a worker on another machine) can recreate an
/// identical copy (same fingerprint) instead of sharing the folder.
/// </summary>
public static class DemoModel
{
    public const string Name = "tiny-random-demo";
    public const string Description = "Demo model with random weights — output is noise. Configure a real model (Models:Folders) to get answers.";
    private const long Seed = 20260101;

    public static string FolderIn(string modelsDirectory) => Path.Combine(modelsDirectory, Name);

    /// <summary>Writes the demo checkpoint unless it is already there (written to a temp folder, then renamed, so a crash never leaves half a model).</summary>
    public static string EnsureWritten(string folder)
    {
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
