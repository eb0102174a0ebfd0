namespace GptOssWorkbench.Pipeline.Tests.Updates;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Updates;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>The notifier's keys: a watch hears only the runs it follows, a batch subscription only its batch.</summary>
public sealed class RunUpdatesTests
{
    private readonly RunUpdates updates = new(NullLogger<RunUpdates>.Instance);

    private static RunDelta Delta(long runId, long? batchId = null, string text = "x") => new(runId, batchId, 0, "final", null, text);

    private static RunFinished Finished(long runId, long? batchId = null) =>
        new(runId, batchId, RunStatus.Succeeded, "stop", null, new RunStats(1, 1, 0, 1, 1));

    [Fact]
    public void A_watch_hears_only_the_runs_it_follows_and_nothing_before_it_follows_them()
    {
        var heard = new List<RunUpdate>();
        using var watch = updates.Watch(heard.Add);
        updates.Publish(Delta(1, text: "before"));

        watch.Follow(1);
        watch.Follow(1); // twice is once
        updates.Publish(Delta(1, text: "mine"));
        updates.Publish(Delta(2, text: "another chat"));
        updates.Publish(Delta(3, batchId: 7, text: "a batch"));

        Assert.Equal(["mine"], heard.OfType<RunDelta>().Select(d => d.Text));
        Assert.Equal([1L], updates.SubscribedRunIds);
    }

    [Fact]
    public void A_watch_lets_a_run_go_after_its_finish_and_a_disposed_watch_follows_nothing()
    {
        var heard = new List<RunUpdate>();
        var watch = updates.Watch(heard.Add);
        watch.Follow(1);
        watch.Follow(2);

        updates.Publish(Finished(1));
        updates.Publish(Delta(1));

        Assert.Single(heard);
        Assert.Equal([2L], watch.RunIds);
        Assert.Equal([2L], updates.SubscribedRunIds);

        watch.Dispose();
        watch.Follow(3);
        updates.Publish(Delta(2));
        updates.Publish(Delta(3));
        Assert.Single(heard);
        Assert.Empty(updates.SubscribedRunIds);
    }

    [Fact]
    public void A_batch_subscription_hears_its_batch_only_and_the_all_batches_one_hears_no_chat_run()
    {
        var batchSeven = new List<RunUpdate>();
        var allBatches = new List<RunUpdate>();
        var everything = new List<RunUpdate>();
        using var seven = updates.SubscribeBatch(7, batchSeven.Add);
        using var batches = updates.SubscribeAllBatches(allBatches.Add);
        using var all = updates.SubscribeAll(everything.Add);

        updates.Publish(Delta(1, batchId: 7));
        updates.Publish(Delta(2, batchId: 8));
        updates.Publish(Delta(3));

        Assert.Equal([1L], batchSeven.Select(u => u.RunId));
        Assert.Equal([1L, 2L], allBatches.Select(u => u.RunId));
        Assert.Equal([1L, 2L, 3L], everything.Select(u => u.RunId));
    }

    [Fact]
    public void A_throwing_follower_does_not_stop_the_others()
    {
        var heard = new List<RunUpdate>();
        using var bad = updates.Watch(_ => throw new InvalidOperationException("broken page"));
        using var good = updates.Watch(heard.Add);
        bad.Follow(1);
        good.Follow(1);

        updates.Publish(Delta(1));

        Assert.Single(heard);
    }
}
