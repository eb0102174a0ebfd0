namespace GptOssWorkbench.Data.Runs;

public class InvalidRunTransitionException(long runId, RunStatus from, RunStatus to)
    : InvalidOperationException($"Run {runId} cannot go from {from} to {to}.")
{
    public RunStatus From { get; } = from;
    public RunStatus To { get; } = to;
}
