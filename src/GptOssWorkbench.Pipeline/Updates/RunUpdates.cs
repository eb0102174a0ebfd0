namespace GptOssWorkbench.Pipeline.Updates;

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

/// <summary>
/// The in-process notifier (one per process): pages and API streams subscribe to one run, one batch or all runs
/// and dispose the subscription when they go away. Handlers run on the publisher's thread (a job), so they must be
/// quick and must not throw (a Blazor component hands the update to <c>InvokeAsync</c>); a throwing handler is
/// logged and skipped, it cannot break a run.
/// To follow a run from its very first update, create a <see cref="RunWatch"/> with <see cref="Watch"/> and hand it
/// to the launcher, which binds it to the new run before the run is enqueued.
/// In distributed mode the workers publish in their own processes; <see cref="RunUpdateRelay"/> carries the
/// updates to the web process, where they are delivered here as if published locally.
/// </summary>
public sealed class RunUpdates(ILogger<RunUpdates> logger)
{
    private const long Everything = -1;
    private readonly ConcurrentDictionary<long, ImmutableHandlers> byRun = new();
    private readonly ConcurrentDictionary<long, ImmutableHandlers> byBatch = new();
    private long nextId;

    private sealed record Subscription(long Id, Action<RunUpdate> Handler);
    private sealed class ImmutableHandlers(IReadOnlyList<Subscription> list)
    {
        public IReadOnlyList<Subscription> List { get; } = list;
    }

    /// <summary>Called for every update published in this process (the relay listens here to forward them).</summary>
    public event Action<RunUpdate>? PublishedLocally;

    /// <summary>Updates of one run.</summary>
    public IDisposable Subscribe(long runId, Action<RunUpdate> handler) => Add(byRun, runId, handler);

    /// <summary>Updates of the runs of one batch (a batch page shows only its own batch).</summary>
    public IDisposable SubscribeBatch(long batchJobId, Action<RunUpdate> handler) => Add(byBatch, batchJobId, handler);

    /// <summary>Updates of the runs of every batch (the batch list); chat and API runs are not delivered here.</summary>
    public IDisposable SubscribeAllBatches(Action<RunUpdate> handler) => Add(byBatch, Everything, handler);

    /// <summary>Updates of every run (dashboards, benchmarks): every token of every run, so not for chat pages.</summary>
    public IDisposable SubscribeAll(Action<RunUpdate> handler) => Add(byRun, Everything, handler);

    /// <summary>A follower of runs whose ids are not known yet: bind it with <see cref="RunWatch.Follow"/>.</summary>
    public RunWatch Watch(Action<RunUpdate> handler) => new(this, handler);

    /// <summary>The run ids that have subscribers now (-1 stands for <see cref="SubscribeAll"/>); for tests and diagnostics.</summary>
    public IReadOnlyCollection<long> SubscribedRunIds => byRun.Where(p => p.Value.List.Count > 0).Select(p => p.Key).ToList();

    /// <summary>Publishes an update made in this process: delivered here and forwarded by a relay if there is one.</summary>
    public void Publish(RunUpdate update)
    {
        Deliver(update);
        PublishedLocally?.Invoke(update);
    }

    /// <summary>Delivers an update to this process's subscribers only (used by the relay for updates from other processes).</summary>
    public void Deliver(RunUpdate update)
    {
        Call(byRun, update.RunId, update);
        if (update.BatchJobId is { } batchJobId)
        {
            Call(byBatch, batchJobId, update);
            Call(byBatch, Everything, update);
        }
        Call(byRun, Everything, update);
    }

    private void Call(ConcurrentDictionary<long, ImmutableHandlers> handlers, long key, RunUpdate update)
    {
        if (!handlers.TryGetValue(key, out var current)) return;
        foreach (var subscription in current.List)
        {
            try
            {
                subscription.Handler(update);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A run update subscriber failed on {Update}", update.GetType().Name);
            }
        }
    }

    private IDisposable Add(ConcurrentDictionary<long, ImmutableHandlers> handlers, long key, Action<RunUpdate> handler)
    {
        var subscription = new Subscription(Interlocked.Increment(ref nextId), handler);
        handlers.AddOrUpdate(key, _ => new([subscription]), (_, old) => new([.. old.List, subscription]));
        return new Unsubscriber(() =>
        {
            // Copy-on-write lists: publishing never locks and never sees a half-changed list. An emptied list is
            // removed only if nobody added to it meanwhile, so run keys do not pile up for the life of the process.
            while (handlers.TryGetValue(key, out var old))
            {
                var rest = old.List.Where(s => s.Id != subscription.Id).ToList();
                if (rest.Count == 0 ? handlers.TryRemove(new KeyValuePair<long, ImmutableHandlers>(key, old))
                    : handlers.TryUpdate(key, new ImmutableHandlers(rest), old)) break;
            }
        });
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) dispose();
        }
    }
}
