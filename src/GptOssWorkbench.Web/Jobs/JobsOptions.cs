namespace GptOssWorkbench.Web.Jobs;

/// <summary>Hangfire settings (configuration section "Jobs").</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>
    /// Run a Hangfire server inside the web process. Empty: yes for the embedded SQLite mode, no for
    /// PostgreSQL, where separate worker processes (one per GPU) take the jobs.
    /// </summary>
    public bool? RunServerInProcess { get; set; }

    /// <summary>
    /// Hangfire workers of the in-process server. Unset (the default): follow the engine, Engine:MaxRunning plus each
    /// remote engine's MaxConcurrency (see JobWorkerCount), so queued runs can fill the engine's batch.
    /// </summary>
    public int? WorkerCount { get; set; }

    /// <summary>
    /// PostgreSQL queue: how long a fetched job stays hidden from other servers without its worker renewing it, i.e.
    /// how soon a killed worker's jobs are handed to another worker. Live workers keep renewing (sliding timeout).
    /// The dead worker's Hangfire lock rows expire after the same time, so a job it was starting does not wait on them.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
