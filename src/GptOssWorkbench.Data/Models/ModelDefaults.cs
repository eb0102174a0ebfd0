namespace GptOssWorkbench.Data.Models;

using GptOssWorkbench.Data.Runs;

/// <summary>Per-model settings a new chat or batch starts from (the user can override each).</summary>
public class ModelDefaults
{
    public ReasoningEffort ReasoningEffort { get; set; } = ReasoningEffort.Medium;
    public double Temperature { get; set; } = 1.0;
    public double TopP { get; set; } = 1.0;
    public int? TopK { get; set; }
    public double? MinP { get; set; }
    public int MaxTokens { get; set; } = 4096;
    public string? SystemInstructions { get; set; }
}
