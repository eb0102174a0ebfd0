namespace GptOssWorkbench.Pipeline.Updates;

/// <summary>
/// Follows chosen runs with one handler: a per-run subscription for each id given to <see cref="Follow"/>.
/// Why this shape rather than a replay buffer or a two-phase launch: the launcher creates the run row and then
/// enqueues its job, and a fast worker can publish the first tokens before the launcher returns the id. Handing a
/// watch to the launcher lets it call <see cref="Follow"/> after the row is committed and before the job exists, so
/// no update can be missed, nothing is buffered, and callers that do not care keep the one-call API.
/// A run is let go after its <see cref="RunFinished"/> (its output is in the database from then on); disposing the
/// watch lets go of every run. Thread-safe: the launcher, the page and the publisher's thread may call it at once.
/// </summary>
public sealed class RunWatch : IDisposable
{
    private readonly RunUpdates source;
    private readonly Action<RunUpdate> handler;
    private readonly Dictionary<long, IDisposable> followed = [];
    private bool disposed;

    internal RunWatch(RunUpdates source, Action<RunUpdate> handler)
    {
        this.source = source;
        this.handler = handler;
    }

    /// <summary>The runs followed now.</summary>
    public IReadOnlyCollection<long> RunIds
    {
        get { lock (followed) return followed.Keys.ToList(); }
    }

    /// <summary>Follows <paramref name="runId"/> from now on; following a run twice, or after Dispose, does nothing.</summary>
    public void Follow(long runId)
    {
        lock (followed)
        {
            if (disposed || followed.ContainsKey(runId)) return;
            followed[runId] = source.Subscribe(runId, update =>
            {
                handler(update);
                if (update is RunFinished) Unfollow(update.RunId);
            });
        }
    }

    /// <summary>Stops following <paramref name="runId"/> (a page that no longer shows it).</summary>
    public void Unfollow(long runId)
    {
        IDisposable? subscription;
        lock (followed)
        {
            if (!followed.Remove(runId, out subscription)) return;
        }
        subscription.Dispose();
    }

    public void Dispose()
    {
        List<IDisposable> all;
        lock (followed)
        {
            disposed = true;
            all = [.. followed.Values];
            followed.Clear();
        }
        foreach (var subscription in all) subscription.Dispose();
    }
}
