namespace GptOssWorkbench.Data.Batches;

public enum BatchStatus
{
    Queued,
    Running,
    Paused,
    Completed,
    Cancelled,
}
