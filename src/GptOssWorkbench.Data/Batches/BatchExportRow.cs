namespace GptOssWorkbench.Data.Batches;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;

/// <summary>
/// One exported line: the item as imported, what ran (the manifest when a run exists, else the matrix
/// coordinates), and the outcome with reasoning and answer in separate fields.
/// </summary>
public class BatchExportRow
{
    public long BatchId { get; init; }
    public int ItemOrder { get; init; }
    public int SourceLine { get; init; }
    public string? ExternalId { get; init; }
    public string Prompt { get; init; } = "";
    public string? System { get; init; }
    public string? Developer { get; init; }
    public string MetadataJson { get; init; } = "{}";
    public int Repeat { get; init; }

    public long? RunId { get; init; }
    public string Status { get; init; } = "";
    public string? Reasoning { get; init; }
    public string? Commentary { get; init; }
    public string? Answer { get; init; }
    /// <summary>The row's reference answer, if the file had one.</summary>
    public string? Expected { get; init; }

    /// <summary><see cref="AnswerGrader.Grade"/>: null = no reference or the run has not finished.</summary>
    public bool? Correct { get; init; }
    public string? FinishReason { get; init; }
    public string? Error { get; init; }
    public int? PromptTokens { get; init; }
    public int? OutputTokens { get; init; }
    public int? ReasoningTokens { get; init; }
    public double? TimeToFirstTokenMs { get; init; }
    public double? TokensPerSecond { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public int? AttemptCount { get; init; }

    public string Model { get; init; } = "";
    public string? WeightsFingerprint { get; init; }
    public string? EngineVersion { get; init; }
    public string? Device { get; init; }
    public string? ReasoningEffort { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? TopK { get; init; }
    public double? MinP { get; init; }
    public double? RepetitionPenalty { get; init; }
    public double? PresencePenalty { get; init; }
    public double? FrequencyPenalty { get; init; }
    public int? MaxTokens { get; init; }
    public IReadOnlyList<string> Stop { get; init; } = [];
    public long? Seed { get; init; }
    public int? PromptTokenCount { get; init; }
    public string? PromptTokensSha256 { get; init; }

    /// <summary>The run's flag kind when a reviewer flagged it (only flagged runs an exporter asked for are exported).</summary>
    public Reviews.RunFlagKind? FlagKind { get; init; }

    /// <summary><see cref="FlagKind"/> as the file spells it: unsafe, pii, other.</summary>
    public string? Flag => FlagKind?.ToString().ToLowerInvariant();
    public string? FlagNote { get; init; }

    /// <summary>Every generated token's logprob, when the run recorded them (JSONL only).</summary>
    public IReadOnlyList<TokenLogprob>? Logprobs { get; init; }

    /// <summary>
    /// Builds the row from an item whose Run (with its Messages) is loaded, or has no run yet. <paramref name="answer"/>
    /// is the run's final answer by <see cref="FinalAnswer"/> (the rule the Review list and the Accuracy table use), so
    /// the export grades exactly what the pages grade.
    /// </summary>
    public static BatchExportRow From(BatchItem item, string? answer)
    {
        var run = item.Run;
        var manifest = run?.Manifest;
        string? Channel(string channel) => run is null ? null : string.Join("\n",
            run.Messages.Where(m => m.Channel == channel).OrderBy(m => m.Order).ThenBy(m => m.Id).Select(m => m.Content));
        return new BatchExportRow
        {
            BatchId = item.BatchJobId,
            ItemOrder = item.Order,
            SourceLine = item.SourceLine,
            ExternalId = item.ExternalId,
            Prompt = item.Prompt,
            System = item.SystemInstructions,
            Developer = item.DeveloperInstructions,
            MetadataJson = item.MetadataJson,
            Repeat = item.RepeatIndex,
            RunId = run?.Id,
            Status = run?.Status.ToString() ?? "NotStarted",
            Reasoning = Channel(MessageChannels.Analysis),
            Commentary = Channel(MessageChannels.Commentary),
            Answer = answer,
            Expected = item.Expected,
            Correct = AnswerGrader.Grade(item.Expected, run?.Status, answer),
            FinishReason = run?.FinishReason,
            Error = run?.Error,
            PromptTokens = run?.PromptTokens,
            OutputTokens = run?.OutputTokens,
            ReasoningTokens = run?.ReasoningTokens,
            TimeToFirstTokenMs = run?.TimeToFirstTokenMs,
            TokensPerSecond = run?.TokensPerSecond,
            StartedAt = run?.StartedAt,
            FinishedAt = run?.FinishedAt,
            AttemptCount = run?.AttemptCount,
            Model = manifest?.ModelName ?? item.ModelName,
            WeightsFingerprint = manifest?.WeightsFingerprint,
            EngineVersion = manifest?.EngineVersion,
            Device = manifest?.Device,
            ReasoningEffort = (manifest?.ReasoningEffort ?? item.ReasoningEffort)?.ToString().ToLowerInvariant(),
            Temperature = manifest?.Temperature ?? item.Temperature,
            TopP = manifest?.TopP,
            TopK = manifest?.TopK,
            MinP = manifest?.MinP,
            RepetitionPenalty = manifest?.RepetitionPenalty,
            PresencePenalty = manifest?.PresencePenalty,
            FrequencyPenalty = manifest?.FrequencyPenalty,
            MaxTokens = manifest?.MaxTokens,
            Stop = manifest?.StopSequences ?? [],
            Seed = manifest?.Seed ?? item.Seed,
            PromptTokenCount = manifest?.PromptTokenCount,
            PromptTokensSha256 = manifest?.PromptTokensSha256,
            Logprobs = run?.Logprobs?.Read(),
            FlagKind = run?.Flag?.Kind,
            FlagNote = run?.Flag?.Note,
        };
    }
}
