namespace GptOssWorkbench.Pipeline.Updates;

using System.Text.Json.Serialization;
using GptOssWorkbench.Data.Runs;

/// <summary>
/// Something that happened to a run, as live subscribers see it. Deltas are text, not token ids: the worker
/// already parsed the harmony stream, so every subscriber (page, API stream) gets the same channels.
/// Records are plain data so they can cross processes as JSON (distributed mode).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(RunStarted), "started")]
[JsonDerivedType(typeof(RunDelta), "delta")]
[JsonDerivedType(typeof(RunFinished), "finished")]
public abstract record RunUpdate(long RunId, long? BatchJobId);

/// <summary>A worker took the run; output from an earlier attempt is gone.</summary>
public sealed record RunStarted(long RunId, long? BatchJobId, string ModelName, string WorkerName, int Attempt) : RunUpdate(RunId, BatchJobId);

/// <summary>
/// New text in one output message. <paramref name="MessageIndex"/> counts the run's messages from 0 (a new
/// index means a new message started); <paramref name="Channel"/> is harmony's (analysis = reasoning,
/// final = answer, commentary = tool calls and preambles).
/// </summary>
public sealed record RunDelta(long RunId, long? BatchJobId, int MessageIndex, string? Channel, string? Recipient, string Text)
    : RunUpdate(RunId, BatchJobId)
{
    /// <summary>
    /// When the run records logprobs: the content tokens that produced this text (a token whose bytes end mid
    /// character has no text of its own and rides with the next delta, so text and tokens stay in step).
    /// </summary>
    public IReadOnlyList<TokenLogprob>? Logprobs { get; init; }
}

/// <summary>The run reached a final state; its messages and stats are stored (read them from the database).</summary>
public sealed record RunFinished(long RunId, long? BatchJobId, RunStatus Status, string? FinishReason, string? Error, RunStats Stats)
    : RunUpdate(RunId, BatchJobId);

/// <summary>The numbers the run row also stores when it finishes.</summary>
public sealed record RunStats(int PromptTokens, int OutputTokens, int ReasoningTokens, double? TimeToFirstTokenMs, double? TokensPerSecond);
