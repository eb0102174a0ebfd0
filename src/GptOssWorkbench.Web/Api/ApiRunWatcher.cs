namespace GptOssWorkbench.Web.Api;

using System.Threading.Channels;
using GptOssWorkbench.Pipeline.Updates;

/// <summary>
/// Collects the updates of one run. It subscribes to every run BEFORE the run is started (its id is not known
/// yet, and a fast worker could publish before a later subscription), then keeps only that run's updates.
/// </summary>
public sealed class ApiRunWatcher : IDisposable
{
    private readonly Channel<RunUpdate> updates = Channel.CreateUnbounded<RunUpdate>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IDisposable subscription;
    private long trackedRunId;

    public ApiRunWatcher(RunUpdates source)
    {
        subscription = source.SubscribeAll(update =>
        {
            // Until the id is known everything is kept; after that, other runs' updates are not even buffered.
            var tracked = Volatile.Read(ref trackedRunId);
            if (tracked == 0 || update.RunId == tracked) updates.Writer.TryWrite(update);
        });
    }

    /// <summary>The run's updates up to and including its <see cref="RunFinished"/>.</summary>
    public async IAsyncEnumerable<RunUpdate> ReadAsync(long runId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Volatile.Write(ref trackedRunId, runId);
        await foreach (var update in updates.Reader.ReadAllAsync(cancellationToken))
        {
            if (update.RunId != runId) continue;
            yield return update;
            if (update is RunFinished) yield break;
        }
    }

    public void Dispose()
    {
        subscription.Dispose();
        updates.Writer.TryComplete();
    }
}
