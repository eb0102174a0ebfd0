namespace GptOssWorkbench.Data.Runs;

/// <summary>gpt-oss reasoning effort, rendered into the system message as "Reasoning: low|medium|high".</summary>
public enum ReasoningEffort
{
    Low,
    Medium,
    High,
}
