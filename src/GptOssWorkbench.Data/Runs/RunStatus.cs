namespace GptOssWorkbench.Data.Runs;

/// <summary>Lifecycle of a run; stored as its name so the database stays readable.</summary>
public enum RunStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
