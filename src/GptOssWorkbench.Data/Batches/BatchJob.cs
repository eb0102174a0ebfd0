namespace GptOssWorkbench.Data.Batches;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;

/// <summary>A set of prompts from one uploaded file, expanded over a <see cref="BatchMatrix"/> into items.</summary>
public class BatchJob
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string SourceFileName { get; set; } = "";
    public BatchStatus Status { get; set; } = BatchStatus.Queued;
    public BatchMatrix Matrix { get; set; } = new();

    /// <summary>Prompts read from the file (items = prompts × matrix cells).</summary>
    public int PromptCount { get; set; }
    public int ItemCount { get; set; }

    // Progress counters kept by the pipeline as items finish, so the batch list needs no aggregate query.
    public int SucceededCount { get; set; }
    public int FailedCount { get; set; }
    public int CancelledCount { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public string? CreatedByUserId { get; set; }
    public User? CreatedBy { get; set; }

    public List<BatchItem> Items { get; set; } = [];
    public List<Run> Runs { get; set; } = [];
}
