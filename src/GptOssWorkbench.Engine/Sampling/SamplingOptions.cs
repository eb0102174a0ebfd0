namespace GptOssWorkbench.Engine.Sampling;

/// <summary>How the next token is chosen and when generation ends.</summary>
public sealed record SamplingOptions
{
    /// <summary>0 = greedy (argmax, ties to the lowest id). OpenAI recommends 1.0 for normal use.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches this mass; 1 = off.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens; 0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>Drop tokens whose probability is below MinP × the top token's probability; 0 = off.</summary>
    public double MinP { get; init; }

    /// <summary>CTRL/HF style over prompt and output tokens: positive logits divided, negative multiplied; 1 = off.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>OpenAI style over output tokens: logit -= count × FrequencyPenalty.</summary>
    public double FrequencyPenalty { get; init; }

    /// <summary>OpenAI style over output tokens: logit -= PresencePenalty once a token has appeared.</summary>
    public double PresencePenalty { get; init; }

    /// <summary>Same seed, same model, same prompt → same tokens. Null draws a fresh seed.</summary>
    public int? Seed { get; init; }

    public int MaxTokens { get; init; } = 256;

    /// <summary>Ids that end generation (the id itself is still produced, as the harmony parser needs it).</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Texts that end generation once the decoded output contains them; needs a <see cref="TokenDecoder"/>.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Report the chosen token's log-probability (under the model's unmodified distribution).</summary>
    public bool Logprobs { get; init; }

    /// <summary>How many most likely alternatives to report with each token (implies <see cref="Logprobs"/>); 0 = none.</summary>
    public int TopLogprobs { get; init; }

    public void Validate()
    {
        if (!(Temperature >= 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"temperature must be a finite number ≥ 0 (got {Temperature}).");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top_p must be in (0, 1] (got {TopP}).");
        if (TopK < 0) throw new ArgumentException($"top_k must be ≥ 0 (got {TopK}).");
        if (!(MinP >= 0 && MinP <= 1)) throw new ArgumentException($"min_p must be in [0, 1] (got {MinP}).");
        if (!(RepetitionPenalty > 0) || double.IsInfinity(RepetitionPenalty)) throw new ArgumentException($"repetition_penalty must be a finite number > 0 (got {RepetitionPenalty}).");
        if (!double.IsFinite(FrequencyPenalty)) throw new ArgumentException($"frequency_penalty must be finite (got {FrequencyPenalty}).");
        if (!double.IsFinite(PresencePenalty)) throw new ArgumentException($"presence_penalty must be finite (got {PresencePenalty}).");
        if (MaxTokens < 0) throw new ArgumentException($"max_tokens must be ≥ 0 (got {MaxTokens}).");
        if (TopLogprobs < 0) throw new ArgumentException($"top_logprobs must be ≥ 0 (got {TopLogprobs}).");
        if (StopStrings.Any(string.IsNullOrEmpty)) throw new ArgumentException("stop strings must not be empty.");
    }
}
