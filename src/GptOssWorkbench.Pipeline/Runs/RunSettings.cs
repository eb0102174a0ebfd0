namespace GptOssWorkbench.Pipeline.Runs;

using GptOssWorkbench.Data.Runs;

/// <summary>What the user chose for one run (chat box settings, a batch matrix cell, an API request).</summary>
public sealed record RunSettings
{
    public required string ModelName { get; init; }
    public ReasoningEffort ReasoningEffort { get; init; } = ReasoningEffort.Medium;
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;
    public int? TopK { get; init; }
    public double? MinP { get; init; }
    public double RepetitionPenalty { get; init; } = 1.0;
    public double PresencePenalty { get; init; }
    public double FrequencyPenalty { get; init; }
    public int MaxTokens { get; init; } = 1024;
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Record each output token's log-probability (as OpenAI's logprobs).</summary>
    public bool Logprobs { get; init; }

    /// <summary>Most likely alternatives recorded per token, 0 to <see cref="MaxTopLogprobs"/> (OpenAI's top_logprobs); needs <see cref="Logprobs"/>.</summary>
    public int TopLogprobs { get; init; }

    /// <summary>OpenAI's limit, which also keeps the stored payload small.</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>Null = a random seed, chosen and recorded when the run starts.</summary>
    public long? Seed { get; init; }

    /// <summary>Replaces the model identity line of the harmony system message.</summary>
    public string? SystemInstructions { get; init; }

    /// <summary>The harmony developer message (what the OpenAI API calls the system prompt).</summary>
    public string? DeveloperInstructions { get; init; }

    /// <summary>Function tools as a JSON array of {name, description, parameters} (see <see cref="RunTools"/>); null = none.</summary>
    public string? ToolsJson { get; init; }

    /// <summary>Output tokens forced after the prompt before generation (see <see cref="RunManifest.ForcedPrefixTokenIds"/>); null = none.</summary>
    public IReadOnlyList<int>? ForcedPrefixTokenIds { get; init; }

    public RunManifest ToManifest() => new()
    {
        ModelName = ModelName,
        ReasoningEffort = ReasoningEffort,
        Temperature = Temperature,
        TopP = TopP,
        TopK = TopK,
        MinP = MinP,
        RepetitionPenalty = RepetitionPenalty,
        PresencePenalty = PresencePenalty,
        FrequencyPenalty = FrequencyPenalty,
        MaxTokens = MaxTokens,
        StopSequences = [.. Stop],
        Logprobs = Logprobs,
        TopLogprobs = TopLogprobs,
        Seed = Seed,
        SystemInstructions = SystemInstructions,
        DeveloperInstructions = DeveloperInstructions,
        ToolsJson = ToolsJson,
        ForcedPrefixTokenIds = ForcedPrefixTokenIds is null ? null : [.. ForcedPrefixTokenIds],
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelName)) throw new ArgumentException("Choose a model.");
        if (!double.IsFinite(Temperature) || Temperature is < 0 or > 10) throw new ArgumentException($"Temperature must be between 0 and 10 (got {Temperature}).");
        if (!double.IsFinite(TopP) || TopP is <= 0 or > 1) throw new ArgumentException($"Top-p must be in (0, 1] (got {TopP}).");
        if (TopK is < 0) throw new ArgumentException($"Top-k must be 0 or more (got {TopK}).");
        if (MinP is < 0 or > 1) throw new ArgumentException($"Min-p must be between 0 and 1 (got {MinP}).");
        if (TopLogprobs is < 0 or > MaxTopLogprobs) throw new ArgumentException($"Top logprobs must be between 0 and {MaxTopLogprobs} (got {TopLogprobs}).");
        if (TopLogprobs > 0 && !Logprobs) throw new ArgumentException("Top logprobs need logprobs turned on.");
        if (MaxTokens < 1) throw new ArgumentException($"Max tokens must be at least 1 (got {MaxTokens}).");
    }
}
