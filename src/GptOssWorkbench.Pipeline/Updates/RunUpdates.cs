namespace GptOssWorkbench.Pipeline.Updates;

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

/// <summary>
/// The in-process notifier (one per process): pages and API streams subscribe to one run or to all runs and
/// dispose the subscription when they go away. Handlers run on the publisher's thread (a job), so they must be
/// quick and must not throw (a Blazor component hands the update to <c>InvokeAsync</c>); a throwing handler is
/// logged and skipped, it cannot break a run.
/// In distributed mode the workers publish in their own processes; <see cref="RunUpdateRelay"/> carries the
/// updates to the web process, where they are delivered here as if published locally.
/// </summary>
public sealed class RunUpdates(ILogger<RunUpdates> logger)
{
    private const long AllRuns = -1;
    private readonly ConcurrentDictionary<long, ImmutableHandlers> handlers = new();
    private long nextId;

    private sealed record Subscription(long Id, Action<RunUpdate> Handler);
    private sealed class ImmutableHandlers(IReadOnlyList<Subscription> list)
    {
        public IReadOnlyList<Subscription> List { get; } = list;
    }

    /// <summary>Called for every update published in this process (the relay listens here to forward them).</summary>
    public event Action<RunUpdate>? PublishedLocally;

    /// <summary>Updates of one run.</summary>
    public IDisposable Subscribe(long runId, Action<RunUpdate> handler) => Add(runId, handler);

    /// <summary>Updates of every run (dashboards, batch progress).</summary>
    public IDisposable SubscribeAll(Action<RunUpdate> handler) => Add(AllRuns, handler);

    /// <summary>Publishes an update made in this process: delivered here and forwarded by a relay if there is one.</summary>
    public void Publish(RunUpdate update)
    {
        Deliver(update);
        PublishedLocally?.Invoke(update);
    }

    /// <summary>Delivers an update to this process's subscribers only (used by the relay for updates from other processes).</summary>
    public void Deliver(RunUpdate update)
    {
        Call(update.RunId, update);
        Call(AllRuns, update);
    }

    private void Call(long key, RunUpdate update)
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

    private IDisposable Add(long key, Action<RunUpdate> handler)
    {
        var subscription = new Subscription(Interlocked.Increment(ref nextId), handler);
        handlers.AddOrUpdate(key, _ => new([subscription]), (_, old) => new([.. old.List, subscription]));
        return new Unsubscriber(() =>
        {
            // Copy-on-write lists: publishing never locks and never sees a half-changed list.
            while (handlers.TryGetValue(key, out var old))
            {
                var without = new ImmutableHandlers(old.List.Where(s => s.Id != subscription.Id).ToList());
                if (handlers.TryUpdate(key, without, old)) break;
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
