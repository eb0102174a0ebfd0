namespace GptOssWorkbench.Web.Tests.Chat;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Chat;

public sealed class EarlyRunUpdatesTests
{
    private static RunDelta Delta(long runId, string text, long? batch = null) => new(runId, batch, 0, "analysis", null, text);
    private static RunFinished Finished(long runId) => new(runId, null, RunStatus.Succeeded, "stop", null, new RunStats(1, 1, 0, null, null));

    [Fact]
    public void Tokens_streamed_before_the_page_knows_the_run_are_replayed_in_order_into_its_live_answer()
    {
        var early = new EarlyRunUpdates();
        early.Keep(new RunStarted(7, null, "gpt-oss-nano", "w1", 1));
        early.Keep(Delta(7, "Add 12 "));
        early.Keep(Delta(8, "other run "));
        early.Keep(Delta(7, "and 30."));

        var live = new LiveRun(7);
        foreach (var update in early.Take(7))
            live.Apply(update);

        Assert.True(live.Started);
        Assert.Equal("Add 12 and 30.", Assert.Single(live.Messages).Text.ToString());
        Assert.Empty(early.Take(7)); // taken once
        Assert.Single(early.Take(8));
    }

    [Fact]
    public void Batch_runs_are_not_kept_and_only_the_latest_runs_are()
    {
        var early = new EarlyRunUpdates(maxRuns: 2);
        early.Keep(Delta(1, "batch", batch: 5));
        early.Keep(Delta(2, "a"));
        early.Keep(Delta(3, "b"));
        early.Keep(Delta(4, "c"));

        Assert.Empty(early.Take(1));
        Assert.Empty(early.Take(2)); // pushed out by runs 3 and 4
        Assert.Single(early.Take(3));
        Assert.Single(early.Take(4));
    }

    [Fact]
    public void A_run_over_the_per_run_cap_still_keeps_its_finish()
    {
        var early = new EarlyRunUpdates(maxUpdatesPerRun: 3);
        for (var i = 0; i < 10; i++)
            early.Keep(Delta(9, i.ToString()));
        early.Keep(Finished(9));

        var kept = early.Take(9);
        Assert.Equal(4, kept.Count);
        Assert.IsType<RunFinished>(kept[^1]);
    }
}
