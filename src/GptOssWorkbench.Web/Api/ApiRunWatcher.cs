namespace GptOssWorkbench.Web.Api;

using System.Threading.Channels;
using GptOssWorkbench.Pipeline.Updates;

/// <summary>
/// Collects the updates of the one run an API request started. Hand <see cref="Watch"/> to the launcher: it binds the
/// watch to the run before enqueueing it, so the first update is never missed and no other run's update arrives.
/// </summary>
public sealed class ApiRunWatcher : IDisposable
{
    private readonly Channel<RunUpdate> updates = Channel.CreateUnbounded<RunUpdate>(new UnboundedChannelOptions { SingleReader = true });

    public ApiRunWatcher(RunUpdates source) => Watch = source.Watch(update => updates.Writer.TryWrite(update));

    /// <summary>The follower to pass to the launcher.</summary>
    public RunWatch Watch { get; }

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
        Watch.Dispose();
        updates.Writer.TryComplete();
    }
}
