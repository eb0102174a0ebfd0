namespace GptOssWorkbench.Pipeline;

/// <summary>Job pipeline settings (configuration section "Pipeline").</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Recorded on each run this process executes; empty = machine name and process id.</summary>
    public string? WorkerName { get; set; }

    /// <summary>How often a running job writes its partial output to the database (live readers use the notifier, not this).</summary>
    public TimeSpan OutputFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often a running job reads the run's CancellationRequested flag. In-process cancels are instant (a token);
    /// this catches cancels made in another process when no cross-process channel delivered them.
    /// </summary>
    public TimeSpan CancellationPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>On start, put runs left queued or running by a crash back in the queue (embedded mode; see RunRecovery).</summary>
    public bool RecoverOnStart { get; set; } = true;

    /// <summary>How often a process that runs jobs reports itself (<see cref="Workers.WorkerHeartbeatService"/>).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the web app looks for queued runs whose Hangfire job is gone (<see cref="Runs.RunQueueSweep"/>); zero turns it off.</summary>
    public TimeSpan QueueSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A run must have been queued this long before the sweep looks at it: it keeps the sweep away from runs being
    /// started right now (row written, job not yet enqueued or its id not yet recorded).
    /// </summary>
    public TimeSpan QueueSweepAfter { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>At most this many runs are checked per sweep (one Hangfire lookup each); the next sweep continues after them.</summary>
    public int QueueSweepBatchSize { get; set; } = 1000;

    public string EffectiveWorkerName => string.IsNullOrWhiteSpace(WorkerName) ? $"{Environment.MachineName}:{Environment.ProcessId}" : WorkerName;
}
