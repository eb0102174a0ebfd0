namespace GptOssWorkbench.Engine.Serving;

using GptOssWorkbench.Engine.Sampling;

/// <summary>A token as it leaves the engine, with when it was made relative to submission.</summary>
public sealed record TokenEvent(int TokenId, double? Logprob, IReadOnlyList<TokenLogprob> TopLogprobs, TimeSpan SinceSubmit);

public enum GenerationFinish
{
    /// <summary>A stop id or stop string ended the output.</summary>
    Stop,

    /// <summary>max tokens reached (or the context is full).</summary>
    Length,

    /// <summary>The caller's CancellationToken fired; the sequence's memory was released.</summary>
    Cancelled,

    /// <summary>The request was rejected or failed; see <see cref="GenerationResult.Error"/>.</summary>
    Error,
}

/// <summary>The outcome of one request, produced once generation ends for any reason.</summary>
public sealed record GenerationResult
{
    public required IReadOnlyList<int> Tokens { get; init; }
    public required GenerationFinish Finish { get; init; }
    public required int PromptTokens { get; init; }
    public string? Error { get; init; }
    public string? StopString { get; init; }

    /// <summary>Set when the engine changed the request, e.g. "max_tokens clamped from 200000 to 131000 (context)".</summary>
    public string? Adjustment { get; init; }

    public TimeSpan QueueTime { get; init; }
    public TimeSpan? TimeToFirstToken { get; init; }
    public TimeSpan Total { get; init; }

    public double TokensPerSecond => Tokens.Count == 0 || TimeToFirstToken is null || Total <= TimeToFirstToken
        ? 0
        : (Tokens.Count - 1) / (Total - TimeToFirstToken.Value).TotalSeconds;
}

/// <summary>Point-in-time engine counters for dashboards and benchmarks.</summary>
public sealed record EngineMetrics
{
    public int Waiting { get; init; }
    public int Running { get; init; }
    public long PrefillTokens { get; init; }
    public long DecodeTokens { get; init; }
    public long CompletedRequests { get; init; }
    public int KvBlocksUsed { get; init; }
    public int KvBlocksTotal { get; init; }
    public double PrefixCacheHitRate { get; init; }
    public double PrefillTokensPerSecond { get; init; }
    public double DecodeTokensPerSecond { get; init; }
    public TimeSpan? LastTimeToFirstToken { get; init; }
    public TimeSpan? LastInterTokenLatency { get; init; }
    public long SubmittedRequests { get; init; }
    public long Steps { get; init; }

    /// <summary>Sequences pushed back to the waiting queue because the KV cache was full (they are recomputed).</summary>
    public long Preemptions { get; init; }

    /// <summary>Token slots per KV block.</summary>
    public int KvBlockSize { get; init; }

    public int KvBlocksFree => KvBlocksTotal - KvBlocksUsed;

    /// <summary>Prompt tokens whose keys and values came from the prefix cache instead of being computed.</summary>
    public long PrefixCacheHitTokens { get; init; }

    /// <summary>Prompt tokens of admitted sequences (recomputes included): the hit rate's denominator.</summary>
    public long PrefixCacheLookupTokens { get; init; }

    /// <summary>
    /// Tokens made by steps that ran no prompt tokens, and those steps' wall time, forward pass and sampling:
    /// decode throughput free of prefill, as other engines report it. Lifetime totals; a benchmark takes the
    /// difference of two snapshots.
    /// </summary>
    public long DecodeOnlyStepTokens { get; init; }
    public double DecodeOnlyStepSeconds { get; init; }

    /// <summary>Wall time of all steps in the forward pass (up to the logits) and in sampling the rows; lifetime totals.</summary>
    public double ForwardSeconds { get; init; }
    public double SamplingSeconds { get; init; }

    /// <summary>Median over the last 512 requests / token gaps; null before any.</summary>
    public double? TimeToFirstTokenP50Ms { get; init; }
    public double? InterTokenLatencyP50Ms { get; init; }
}
