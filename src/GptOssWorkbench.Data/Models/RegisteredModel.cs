namespace GptOssWorkbench.Data.Models;

using GptOssWorkbench.Data.Workspaces;

/// <summary>A model folder on disk that workers can load, with the defaults new runs start from.</summary>
public class RegisteredModel
{
    public long Id { get; set; }

    /// <summary>The name users pick and runs record (unique), e.g. gpt-oss-20b.</summary>
    public string Name { get; set; } = "";
    public string FolderPath { get; set; } = "";

    /// <summary>Checkpoint layout as the engine reports it (e.g. "original", "huggingface").</summary>
    public string Layout { get; set; } = "";
    public string? WeightsFingerprint { get; set; }

    /// <summary>A small random-weight model created on first start; the UI labels its output as meaningless.</summary>
    public bool IsDemo { get; set; }

    public ModelDefaults Defaults { get; set; } = new();

    public DateTime CreatedAt { get; set; }
    public string? CreatedByUserId { get; set; }
    public User? CreatedBy { get; set; }
}
