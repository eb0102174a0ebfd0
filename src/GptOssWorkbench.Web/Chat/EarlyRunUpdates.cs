namespace GptOssWorkbench.Web.Chat;

using GptOssWorkbench.Pipeline.Updates;

/// <summary>
/// Updates of chat runs the page has not registered yet. The page learns a run's id only when the launcher returns,
/// and a worker can start streaming the run before that (the demo model answers in well under a second): dropped,
/// those first tokens would be missing from the live answer until the run finishes and the page reloads it.
/// Bounded: batch runs are never kept, only the latest <c>maxRuns</c> runs are, and each keeps at most
/// <c>maxUpdatesPerRun</c> updates (plus its RunFinished).
/// </summary>
public sealed class EarlyRunUpdates(int maxRuns = 16, int maxUpdatesPerRun = 4096)
{
    private readonly Dictionary<long, List<RunUpdate>> _byRun = [];
    private readonly Queue<long> _arrival = new();

    public void Keep(RunUpdate update)
    {
        if (update.BatchJobId is not null)
            return;
        if (!_byRun.TryGetValue(update.RunId, out var updates))
        {
            if (_arrival.Count >= maxRuns)
                _byRun.Remove(_arrival.Dequeue());
            _byRun[update.RunId] = updates = [];
            _arrival.Enqueue(update.RunId);
        }
        if (updates.Count < maxUpdatesPerRun || update is RunFinished)
            updates.Add(update);
    }

    /// <summary>The kept updates of <paramref name="runId"/>, in arrival order, and forgets them.</summary>
    public IReadOnlyList<RunUpdate> Take(long runId) => _byRun.Remove(runId, out var updates) ? updates : [];
}
