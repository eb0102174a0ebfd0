namespace GptOssWorkbench.Engine.Serving;

using GptOssWorkbench.Engine.Sampling;

/// <summary>One request to the engine: prompt token ids (already rendered, e.g. by harmony) and sampling settings.</summary>
public sealed record GenerationRequest(IReadOnlyList<int> PromptTokens, SamplingOptions Sampling)
{
    /// <summary>Free label for logs and metrics (a run id, say).</summary>
    public string? Label { get; init; }

    /// <summary>Benchmarks set this so every request makes exactly MaxTokens tokens (stop ids are ignored).</summary>
    public bool IgnoreStopTokens { get; init; }
}
