namespace GptOssWorkbench.Pipeline.Runs;

using System.Collections.Concurrent;

/// <summary>
/// The cancellation tokens of the runs executing in this process. A cancel from the UI of the same process
/// fires the token at once, and the engine drops the sequence at its next step.
/// </summary>
public sealed class RunCancellations
{
    private readonly ConcurrentDictionary<long, CancellationTokenSource> running = new();

    /// <summary>Raised for every cancel requested in this process (the cross-process relay forwards it to the workers).</summary>
    public event Action<long>? CancelRequested;

    internal CancellationTokenSource Register(long runId)
    {
        var source = new CancellationTokenSource();
        running[runId] = source;
        return source;
    }

    internal void Unregister(long runId, CancellationTokenSource source) =>
        running.TryRemove(new KeyValuePair<long, CancellationTokenSource>(runId, source));

    /// <summary>Cancels the run if it executes in this process; returns whether it did.</summary>
    public bool CancelLocal(long runId)
    {
        if (!running.TryGetValue(runId, out var source)) return false;
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended at the same moment.
        }
        return true;
    }

    /// <summary>Cancels here and tells other processes (through the relay, if any).</summary>
    public void Cancel(long runId)
    {
        CancelLocal(runId);
        CancelRequested?.Invoke(runId);
    }

    public int RunningCount => running.Count;
}
