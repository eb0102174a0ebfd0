namespace GptOssWorkbench.Data.Runs;

using System.Buffers.Binary;
using System.Security.Cryptography;

/// <summary>
/// Everything needed to replay a run and to tell whether two runs are comparable. Stored in the run's row
/// (an owned type): it is always read with the run and has no life of its own. Model identity is kept as
/// name + weights fingerprint rather than a foreign key, so removing a model from the registry does not
/// erase what an old run was produced by.
/// </summary>
public class RunManifest
{
    public string ModelName { get; set; } = "";
    public string? WeightsFingerprint { get; set; }
    public string? EngineVersion { get; set; }

    /// <summary>e.g. cpu, cuda:0; filled by the worker that ran it.</summary>
    public string? Device { get; set; }

    public double Temperature { get; set; } = 1.0;
    public double TopP { get; set; } = 1.0;
    public int? TopK { get; set; }
    public double? MinP { get; set; }
    public double RepetitionPenalty { get; set; } = 1.0;
    public double PresencePenalty { get; set; }
    public double FrequencyPenalty { get; set; }
    public int MaxTokens { get; set; }
    public List<string> StopSequences { get; set; } = [];

    /// <summary>Record each output token's log-probability (stored as the run's <see cref="RunLogprobs"/>).</summary>
    public bool Logprobs { get; set; }

    /// <summary>How many most likely alternatives to record with each token (0-20; needs <see cref="Logprobs"/>).</summary>
    public int TopLogprobs { get; set; }

    /// <summary>The sampler seed actually used (a random one is recorded too, so every run can be replayed).</summary>
    public long? Seed { get; set; }

    public ReasoningEffort ReasoningEffort { get; set; } = ReasoningEffort.Medium;
    public string? SystemInstructions { get; set; }
    public string? DeveloperInstructions { get; set; }

    /// <summary>Tool (function) definitions offered to the model, as the API request's JSON; part of the prompt.</summary>
    public string? ToolsJson { get; set; }

    /// <summary>
    /// For a branch: output tokens appended after the rendered prompt and not sampled (they start the run's output),
    /// e.g. the parent's tokens up to a position plus a forced one, or an edited analysis message without its end.
    /// </summary>
    public List<int>? ForcedPrefixTokenIds { get; set; }

    /// <summary>Token count of the exact rendered harmony prompt.</summary>
    public int? PromptTokenCount { get; set; }

    /// <summary>Lower-case hex SHA-256 of the prompt token ids (see <see cref="HashPromptTokens"/>).</summary>
    public string? PromptTokensSha256 { get; set; }

    /// <summary>
    /// A new manifest with every input of this one (model, sampling settings, seed, instructions, tools, forced prefix);
    /// what a worker records while running (fingerprint, prompt hash, engine, device) is left for the new run's worker.
    /// </summary>
    public RunManifest CopyInputs() => new()
    {
        ModelName = ModelName, Temperature = Temperature, TopP = TopP, TopK = TopK, MinP = MinP,
        RepetitionPenalty = RepetitionPenalty, PresencePenalty = PresencePenalty, FrequencyPenalty = FrequencyPenalty,
        MaxTokens = MaxTokens, StopSequences = [.. StopSequences], Logprobs = Logprobs, TopLogprobs = TopLogprobs,
        Seed = Seed, ReasoningEffort = ReasoningEffort, SystemInstructions = SystemInstructions,
        DeveloperInstructions = DeveloperInstructions, ToolsJson = ToolsJson,
        ForcedPrefixTokenIds = ForcedPrefixTokenIds is null ? null : [.. ForcedPrefixTokenIds],
    };

    /// <summary>
    /// Hash of the prompt token ids, each as a little-endian int32. Hashing ids rather than text catches a
    /// changed tokenizer or harmony renderer, which text alone would not.
    /// </summary>
    public static string HashPromptTokens(IReadOnlyList<int> tokenIds)
    {
        var bytes = new byte[tokenIds.Count * 4];
        for (var i = 0; i < tokenIds.Count; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), tokenIds[i]);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
