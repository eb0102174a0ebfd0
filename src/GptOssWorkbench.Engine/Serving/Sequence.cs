namespace GptOssWorkbench.Engine.Serving;

using System.Diagnostics;
using GptOssWorkbench.Engine.Sampling;

/// <summary>
/// One request inside the engine: its tokens so far (prompt, then output), how many of them have keys and values
/// in the paged cache (<see cref="Computed"/>), its block tables, and its own sampler (so a seeded request draws
/// the same numbers whatever else shares the batch).
/// </summary>
internal sealed class Sequence(GenerationRequest request, SamplingOptions sampling, GenerationStream stream, CancellationToken cancellation)
{
    public GenerationRequest Request { get; } = request;
    public SamplingOptions Sampling { get; } = sampling;
    public GenerationStream Stream { get; } = stream;
    public CancellationToken Cancellation { get; } = cancellation;
    public TokenSampler Sampler { get; } = new(sampling);
    public Stopwatch Clock { get; } = Stopwatch.StartNew();
    public IReadOnlyList<int> Prompt { get; } = request.PromptTokens.ToArray();
    public List<int> Output { get; } = [];
    public HashSet<int> StopIds { get; } = request.IgnoreStopTokens ? [] : sampling.StopTokenIds.ToHashSet();
    public string? Adjustment { get; init; }

    public int Length => Prompt.Count + Output.Count;

    public int TokenAt(int index) => index < Prompt.Count ? Prompt[index] : Output[index - Prompt.Count];

    /// <summary>Tokens whose keys and values are in the cache; the rest still have to run (prefill, or the last sampled token).</summary>
    public int Computed { get; set; }

    public int Remaining => Length - Computed;

    /// <summary>Physical block per logical block, full-attention layers.</summary>
    public List<int> FullBlocks { get; } = [];

    /// <summary>Physical block per logical block, sliding-window layers; -1 once the block left the window.</summary>
    public List<int> SlidingBlocks { get; } = [];

    /// <summary>Chain hash of logical blocks that are complete and registered in the prefix cache.</summary>
    public List<ulong> BlockHashes { get; } = [];

    public TimeSpan? QueueTime { get; set; }
    public TimeSpan? FirstToken { get; set; }
    public TimeSpan LastToken { get; set; }
    public int Preemptions { get; set; }
}
