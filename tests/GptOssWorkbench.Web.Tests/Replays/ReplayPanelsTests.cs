namespace GptOssWorkbench.Web.Tests.Replays;

using Bunit;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Replays;
using GptOssWorkbench.Web.Review;

/// <summary>The replay boxes of the transcript and batch pages over stored runs and replays (a real SQLite file).</summary>
public sealed class ReplayPanelsTests : DatabaseComponentTest
{
    private void SignInAsReviewer()
    {
        Authorization.SetAuthorized("reviewer@example.test");
        Authorization.SetPolicies(GptOssWorkbench.Web.Accounts.WorkbenchPolicies.Reviewer);
    }

    /// <summary>A finished replay of <paramref name="originalId"/> with the given output.</summary>
    private Run AddReplay(long originalId, string reasoning, string answer)
    {
        var replay = Db.AddRun("prompt", reasoning, answer);
        using var db = Db.CreateDbContext();
        var stored = db.Runs.Single(r => r.Id == replay.Id);
        stored.ReplayOfRunId = originalId;
        stored.Source = RunSource.Replay;
        db.SaveChanges();
        return replay;
    }

    [Fact]
    public void A_diverged_replay_shows_where_it_differs_and_both_outputs_from_there_side_by_side()
    {
        var original = Db.AddRun("What is 2+2?", "Two and two.", "The answer is 4.");
        var replay = AddReplay(original.Id, "Two and two.", "The answer is 5.");
        SignInAsReviewer();

        var cut = Render<TranscriptPage>(p => p.Add(c => c.RunId, original.Id));

        cut.WaitForAssertion(() => Assert.Contains($"run {replay.Id}", cut.Find("[data-testid=replay-entry]").TextContent));
        Assert.Contains("diverged in message 2 (final) at character 14", cut.Find("[data-testid=replay-verdict]").TextContent);
        Assert.Contains("text per channel", cut.Find("[data-testid=replay-basis]").TextContent);
        Assert.Equal("4.", cut.Find("[data-testid=replay-expected]").TextContent);
        Assert.Equal("5.", cut.Find("[data-testid=replay-actual]").TextContent);
        Assert.Equal("4.", cut.Find("[data-testid=replay-side-original]").TextContent);
        Assert.Equal("5.", cut.Find("[data-testid=replay-side-replay]").TextContent);
        Assert.Equal("4.", cut.Find("[data-testid=replay-diff] .diff-delete").TextContent);
        Assert.Equal("5.", cut.Find("[data-testid=replay-diff] .diff-insert").TextContent);
        // The model of these stored runs is not registered: the page says so instead of offering a replay that cannot run.
        Assert.Empty(cut.FindAll("[data-testid=run-replay]"));
        Assert.Contains("Model 'tiny' is not registered", cut.Find("[data-testid=replay-refused]").TextContent);
    }

    [Fact]
    public void A_failed_run_offers_no_replay_and_says_why()
    {
        var failed = Db.AddRun("Hi", "Greeting.", "Hel", status: RunStatus.Failed);
        SignInAsReviewer();

        var cut = Render<TranscriptPage>(p => p.Add(c => c.RunId, failed.Id));

        cut.WaitForAssertion(() => Assert.Contains("only a run that succeeded", cut.Find("[data-testid=replay-refused]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=run-replay]"));
        Assert.Empty(cut.FindAll("[data-testid=replay-entry]"));
    }

    [Fact]
    public void The_replay_transcript_links_to_its_original()
    {
        var original = Db.AddRun("Hi", "Greeting.", "Hello!");
        var replay = AddReplay(original.Id, "Greeting.", "Hello!");

        var cut = Render<TranscriptPage>(p => p.Add(c => c.RunId, replay.Id));

        cut.WaitForAssertion(() => Assert.Equal($"run {original.Id}", cut.Find("[data-testid=replay-original-link]").TextContent));
        Assert.Contains("identical text in every channel", cut.Find("[data-testid=replay-verdict]").TextContent);
    }

    [Fact]
    public void The_batch_summary_counts_identical_diverged_and_not_replayable_runs_and_links_the_diverged_pair()
    {
        var batchId = Db.AddBatch("replayed");
        var same = Db.AddRun("a", "r", "one", batchId: batchId);
        var changed = Db.AddRun("b", "r", "two", batchId: batchId);
        var unreplayed = Db.AddRun("c", "r", "three", batchId: batchId);
        AddReplay(same.Id, "r", "one");
        var divergedReplay = AddReplay(changed.Id, "r", "TWO");

        var cut = Render<BatchReplayPanel>(p => p.Add(c => c.BatchId, batchId));

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=replay-identical]").TextContent));
        Assert.Equal("1", cut.Find("[data-testid=replay-diverged]").TextContent);
        Assert.Equal("1", cut.Find("[data-testid=replay-not-replayable]").TextContent);
        var diverged = cut.Find("[data-testid=replay-diverged-row]");
        Assert.Contains($"run {changed.Id}", diverged.TextContent);
        Assert.Contains($"replay {divergedReplay.Id}", diverged.TextContent);
        Assert.Contains($"review/runs/{divergedReplay.Id}", diverged.InnerHtml);
        var refused = cut.Find("[data-testid=replay-refused-row]");
        Assert.Contains($"run {unreplayed.Id}", refused.TextContent);
        Assert.Contains("Model 'tiny' is not registered", refused.TextContent);
    }
}
