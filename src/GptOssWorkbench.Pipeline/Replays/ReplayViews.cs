namespace GptOssWorkbench.Pipeline.Replays;

/// <summary>One replay of a run and how it compares.</summary>
public sealed record ReplayEntry(long ReplayRunId, DateTime CreatedAt, ReplayVerdict Verdict);

/// <summary>
/// What the transcript page shows about replays of a run: when the run is itself a replay, its original and the
/// verdict; otherwise its replays (newest first). <see cref="Check"/> is for the Replay button (of the original).
/// </summary>
public sealed record RunReplays(long RunId, long? OriginalRunId, ReplayVerdict? AsReplay, IReadOnlyList<ReplayEntry> Replays, ReplayCheck Check);

/// <summary>What "Replay batch" did: the replays it started, the runs it refused (with the reason), and the caveats of the started ones.</summary>
public sealed record BatchReplayStart(IReadOnlyList<long> ReplayRunIds, IReadOnlyList<ReplayCheck> Refused, IReadOnlyList<string> Warnings);

/// <summary>One run of a batch in the replay summary: its latest replay (null: none) or why it cannot be replayed.</summary>
public sealed record BatchReplayRow(long RunId, int ItemOrder, long? ReplayRunId, ReplayVerdict? Verdict, string? NotReplayable);

/// <summary>The batch's reproducibility check: each finished run's latest replay, counted by outcome.</summary>
public sealed record BatchReplaySummary(IReadOnlyList<BatchReplayRow> Rows)
{
    public int Identical => Rows.Count(r => r.Verdict?.Outcome == ReplayOutcome.Identical);
    public int Diverged => Rows.Count(r => r.Verdict?.Outcome == ReplayOutcome.Diverged);
    public int Pending => Rows.Count(r => r.Verdict?.Outcome == ReplayOutcome.Pending);
    public int ReplayFailed => Rows.Count(r => r.Verdict?.Outcome == ReplayOutcome.ReplayFailed);
    public int NotReplayable => Rows.Count(r => r.NotReplayable is not null);

    /// <summary>Replayable runs nobody has replayed yet.</summary>
    public int NotReplayed => Rows.Count(r => r.Verdict is null && r.NotReplayable is null);

    public bool Any => Rows.Any(r => r.Verdict is not null);
}
