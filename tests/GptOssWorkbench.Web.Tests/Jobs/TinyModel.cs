namespace GptOssWorkbench.Web.Tests.Jobs;

using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;

/// <summary>One random-weight "tiny" checkpoint for all pipeline tests of this run (writing one takes a moment).</summary>
public static class TinyModel
{
    public const string Name = "tiny-test";
    private static readonly Lazy<string> Folder = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"workbench-tiny-model-{Environment.ProcessId}");
        if (!File.Exists(Path.Combine(folder, "config.json")))
            SyntheticCheckpointWriter.Write(folder, ModelPresets.Get("tiny"), CheckpointLayout.HfSingle, seed: 7);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(folder, true); } catch (IOException) { } };
        return folder;
    });

    public static string FolderPath => Folder.Value;

    /// <summary>Host settings: this model configured, no demo model, quick flushes and cancel polls.</summary>
    public static Dictionary<string, string?> Settings(string? dataDirectory = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Models:Folders:0:Name"] = Name,
            ["Models:Folders:0:Path"] = FolderPath,
            ["Models:CreateDemoModel"] = "false",
            ["Pipeline:OutputFlushInterval"] = "00:00:00.200",
            ["Pipeline:CancellationPollInterval"] = "00:00:00.200",
            ["Pipeline:HeartbeatInterval"] = "00:00:00.300",
        };
        if (dataDirectory is not null) settings["Workbench:DataDirectory"] = dataDirectory;
        return settings;
    }
}
