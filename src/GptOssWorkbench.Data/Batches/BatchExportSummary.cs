namespace GptOssWorkbench.Data.Batches;

using GptOssWorkbench.Data.Reviews;

/// <summary>
/// What an export wrote: its rows, the flagged runs among them (only when the exporter asked for flagged runs) and how
/// many flagged runs it left out. The exporter's audit entry is written from this.
/// </summary>
public sealed record BatchExportSummary(int Rows, IReadOnlyList<FlaggedRun> FlaggedIncluded, int FlaggedLeftOut);

public sealed record FlaggedRun(long RunId, RunFlagKind Kind);
