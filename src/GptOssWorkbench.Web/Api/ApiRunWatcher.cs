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

    public ApiRunWatcher(RunUpdates source)
    {
        subscription = source.SubscribeAll(update => updates.Writer.TryWrite(update));
    }

    /// <summary>The run's updates up to and including its <see cref="RunFinished"/>.</summary>
    public async IAsyncEnumerable<RunUpdate> ReadAsync(long runId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
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
