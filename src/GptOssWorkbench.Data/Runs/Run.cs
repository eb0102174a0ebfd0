namespace GptOssWorkbench.Data.Runs;

using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Search;
using GptOssWorkbench.Data.Workspaces;

/// <summary>
/// One model invocation: created queued by the web app, executed by a worker, reviewed later. The row is
/// the source of truth for the job pipeline, so status changes go through <see cref="MoveTo"/> and are
/// guarded by <see cref="Version"/> (two workers, or a worker and a cancel, cannot both win).
/// </summary>
public class Run
{
    public long Id { get; set; }
    public RunSource Source { get; set; }
    public RunStatus Status { get; private set; } = RunStatus.Queued;

    /// <summary>
    /// Optimistic concurrency token. SQLite has no rowversion, so <see cref="WorkbenchDbContext"/> increments
    /// it on every save of a modified run; an update based on a stale copy then matches no row and fails.
    /// </summary>
    public int Version { get; set; }

    public long? ConversationId { get; set; }
    public Conversation? Conversation { get; set; }

    /// <summary>For chat runs: the user message this run answers (the thread up to it is the prompt).</summary>
    public long? ReplyToMessageId { get; set; }
    public Message? ReplyToMessage { get; set; }

    public long? BatchJobId { get; set; }
    public BatchJob? BatchJob { get; set; }
    public long? BatchItemId { get; set; }
    public BatchItem? BatchItem { get; set; }

    /// <summary>
    /// Set on a replay: the run whose manifest it re-ran to check that the output is reproducible (always the first
    /// run, never a replay of a replay, so all replays of a run compare against the same original).
    /// </summary>
    public long? ReplayOfRunId { get; set; }
    public Run? ReplayOf { get; set; }

    /// <summary>
    /// Set on a branch: the run whose prompt and a prefix of whose output it kept (the prefix itself is
    /// <see cref="RunManifest.ForcedPrefixTokenIds"/>, so the branch replays without its parent).
    /// </summary>
    public long? BranchOfRunId { get; set; }
    public Run? BranchOf { get; set; }
    public BranchKind? BranchKind { get; set; }

    /// <summary>Where the branch diverged: a token index for <see cref="Runs.BranchKind.ForcedToken"/>, the edited reasoning's length in characters otherwise.</summary>
    public int? BranchPosition { get; set; }

    /// <summary>The last user prompt as plain text, kept on the run for lists, search and export.</summary>
    public string PromptText { get; set; } = "";

    public RunManifest Manifest { get; set; } = new();

    public DateTime CreatedAt { get; set; }

    /// <summary>When the run last went back to Queued (retry, recovery); null: queued since <see cref="CreatedAt"/>.</summary>
    public DateTime? QueuedAt { get; private set; }

    /// <summary>
    /// The Hangfire job last enqueued for this run (the queue sweep asks Hangfire whether it is still alive). Written
    /// with ExecuteUpdate right after enqueueing, so it never bumps <see cref="Version"/> under a job that is claiming the run.
    /// </summary>
    public string? JobId { get; set; }

    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public double? TimeToFirstTokenMs { get; set; }
    public double? TokensPerSecond { get; set; }
    public int PromptTokens { get; set; }
    public int OutputTokens { get; set; }
    public int ReasoningTokens { get; set; }

    /// <summary>stop, length, cancelled, error, tool_call (the OpenAI API's words).</summary>
    public string? FinishReason { get; set; }
    public string? Error { get; set; }

    /// <summary>How many times a worker started this run (Hangfire retries and crash recovery add one).</summary>
    public int AttemptCount { get; private set; }
    public string? WorkerName { get; set; }

    /// <summary>
    /// Set by the UI; the worker polls it between engine steps. Set it with ExecuteUpdate so that it does not
    /// race the worker's own status saves on <see cref="Version"/>.
    /// </summary>
    public bool CancellationRequested { get; set; }

    public string? CreatedByUserId { get; set; }
    public User? CreatedBy { get; set; }

    /// <summary>Normalized prompt + output text for LIKE search; maintained on save, see <see cref="SearchText"/>.</summary>
    public string SearchText { get; set; } = "";

    /// <summary>The completion's messages (analysis, commentary, final...) in order.</summary>
    public List<Message> Messages { get; set; } = [];
    public RunLogprobs? Logprobs { get; set; }
    public List<Rating> Ratings { get; set; } = [];
    public List<Comment> Comments { get; set; } = [];
    public List<Tag> Tags { get; set; } = [];
    public List<SpanAnnotation> Annotations { get; set; } = [];

    /// <summary>The run's flag (unsafe, PII, other), if a reviewer set one: flagged runs stay out of exports by default.</summary>
    public RunFlag? Flag { get; set; }

    public bool IsFinished => Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;

    /// <summary>
    /// Changes the status if the lifecycle allows it, keeping the timings consistent:
    /// Queued → Running | Failed | Cancelled; Running → Succeeded | Failed | Cancelled | Queued (crash
    /// recovery); Failed or Cancelled → Queued (retry). Succeeded is final.
    /// </summary>
    public void MoveTo(RunStatus next, DateTime utcNow)
    {
        var allowed = (Status, next) switch
        {
            (RunStatus.Queued, RunStatus.Running or RunStatus.Failed or RunStatus.Cancelled) => true,
            (RunStatus.Running, RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Queued) => true,
            (RunStatus.Failed or RunStatus.Cancelled, RunStatus.Queued) => true,
            _ => false,
        };
        if (!allowed)
            throw new InvalidRunTransitionException(Id, Status, next);

        Status = next;
        switch (next)
        {
            case RunStatus.Running:
                StartedAt = utcNow;
                FinishedAt = null;
                AttemptCount++;
                break;
            case RunStatus.Queued:
                // A retry starts clean: the previous attempt's outcome must not show on the new one.
                QueuedAt = utcNow;
                StartedAt = null;
                FinishedAt = null;
                FinishReason = null;
                Error = null;
                CancellationRequested = false;
                break;
            default:
                FinishedAt = utcNow;
                break;
        }
    }

    /// <summary>Recomputes <see cref="SearchText"/> from the prompt and the run's output messages.</summary>
    public void RefreshSearchText(IEnumerable<Message> messages)
    {
        var parts = new List<string> { PromptText };
        parts.AddRange(messages.OrderBy(m => m.Order).ThenBy(m => m.Id).Select(m => m.Content));
        SearchText = SearchNormalizer.Normalize(string.Join("\n", parts));
    }
}
