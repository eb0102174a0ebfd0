namespace GptOssWorkbench.Web.Tests.Replays;

using System.Text;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Replays;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>Replays through the real embedded pipeline (SQLite file, Hangfire, engine) with the tiny random model.</summary>
[Collection(PipelineCollection.Name)]
public sealed class ReplayTests(PipelineHostFixture fixture)
{
    private readonly IServiceProvider services = fixture.Services;
    private ReplayService Replays => services.GetRequiredService<ReplayService>();

    private static RunSettings Settings(bool logprobs, long? seed = 4242) => new()
    {
        ModelName = TinyModel.Name, MaxTokens = 12, Temperature = 1.0, Seed = seed, Logprobs = logprobs,
        ReasoningEffort = Data.Runs.ReasoningEffort.Low,
    };

    private async Task<Run> FinishedChatRunAsync(RunSettings settings, string text = "Name three colours.")
    {
        var turn = await services.GetRequiredService<RunLauncher>().SendChatMessageAsync(new ChatMessageRequest(null, text, settings));
        var run = await PipelineWaits.WaitForFinishAsync(services, turn.RunId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        return run;
    }

    private async Task<ReplayVerdict> ReplayAndWaitAsync(long runId)
    {
        var replayId = await Replays.StartAsync(runId);
        await PipelineWaits.WaitForFinishAsync(services, replayId);
        var view = await Replays.GetForRunAsync(replayId);
        Assert.Equal(runId, view!.OriginalRunId);
        return view.AsReplay!;
    }

    private async Task EditAsync(long runId, Action<Run> edit)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var run = await db.Runs.Include(r => r.Messages).Include(r => r.Logprobs).SingleAsync(r => r.Id == runId);
        edit(run);
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task A_watch_handed_to_a_replay_start_hears_the_replay_from_its_start_to_its_finish()
    {
        var original = await FinishedChatRunAsync(Settings(logprobs: false));
        var heard = new System.Collections.Concurrent.ConcurrentQueue<Pipeline.Updates.RunUpdate>();
        using var watch = services.GetRequiredService<Pipeline.Updates.RunUpdates>().Watch(heard.Enqueue);
        using var recorder = new PipelineWaits.Recorder(services);

        var replayId = await Replays.StartAsync(original.Id, follow: watch);

        // The notifier calls per-run followers before the everything-subscribers: once the recorder has the finish, so has the watch.
        await recorder.WaitForAsync<Pipeline.Updates.RunFinished>(replayId);
        Assert.Equal(recorder.Of(replayId), heard);
        Assert.All(heard, u => Assert.Equal(replayId, u.RunId));
        Assert.IsType<Pipeline.Updates.RunStarted>(heard.First());
        Assert.IsType<Pipeline.Updates.RunFinished>(heard.Last());
        Assert.Empty(watch.RunIds);
    }

    [Fact]
    public async Task A_seeded_temperature_one_run_replays_identical_token_for_token_outside_its_conversation()
    {
        var original = await FinishedChatRunAsync(Settings(logprobs: true));

        var replayId = await Replays.StartAsync(original.Id);
        var replay = await PipelineWaits.WaitForFinishAsync(services, replayId);
        var verdict = (await Replays.GetForRunAsync(replayId))!.AsReplay!;

        Assert.Equal(ReplayOutcome.Identical, verdict.Outcome);
        Assert.Equal(ReplayBasis.TokenIds, verdict.Basis);
        Assert.Empty(verdict.Findings);
        // The replay re-ran the original's manifest and prompt, linked to it, but is not another answer in the chat.
        Assert.Equal(RunSource.Replay, replay.Source);
        Assert.Equal(original.Id, replay.ReplayOfRunId);
        Assert.Null(replay.ConversationId);
        Assert.Equal(original.Manifest.Seed, replay.Manifest.Seed);
        Assert.Equal(original.Manifest.PromptTokensSha256, replay.Manifest.PromptTokensSha256);
        Assert.Equal(original.OutputTokens, replay.OutputTokens);
        var originalView = await Replays.GetForRunAsync(original.Id);
        Assert.Equal(replayId, Assert.Single(originalView!.Replays).ReplayRunId);
    }

    [Fact]
    public async Task Without_token_ids_the_replay_is_compared_channel_by_channel_and_an_edited_message_is_found_at_its_first_changed_character()
    {
        var original = await FinishedChatRunAsync(Settings(logprobs: false));
        var identical = await ReplayAndWaitAsync(original.Id);
        Assert.Equal(ReplayOutcome.Identical, identical.Outcome);
        Assert.Equal(ReplayBasis.TextPerChannel, identical.Basis);

        // Tamper with the stored original: one character in the middle of its first non-empty message.
        var ordered = original.Messages.OrderBy(m => m.Order).ToList();
        var index = ordered.FindIndex(m => m.Content.Length > 0);
        Assert.True(index >= 0, "the tiny model wrote no text at all");
        var target = ordered[index];
        var at = target.Content.Length / 2;
        var replacement = target.Content[at] == '#' ? '%' : '#';
        await EditAsync(original.Id, run =>
        {
            var message = run.Messages.Single(m => m.Id == target.Id);
            message.Content = message.Content[..at] + replacement + message.Content[(at + 1)..];
        });

        var verdict = (await Replays.GetForRunAsync(original.Id))!.Replays.Single().Verdict;
        Assert.Equal(ReplayOutcome.Diverged, verdict.Outcome);
        Assert.Equal(index, verdict.Divergence!.MessageIndex);
        Assert.Equal(at, verdict.Divergence.CharacterOffset);
        Assert.Equal(target.Channel, verdict.Divergence.Channel);
        Assert.Null(verdict.Divergence.TokenIndex);
        Assert.StartsWith(replacement.ToString(), verdict.Divergence.Expected);
        Assert.StartsWith(target.Content[at].ToString(), verdict.Divergence.Actual);
        Assert.StartsWith(replacement.ToString(), verdict.OriginalFromThere);
    }

    [Fact]
    public async Task A_tampered_stored_token_is_reported_at_its_position_with_both_token_texts()
    {
        var original = await FinishedChatRunAsync(Settings(logprobs: true, seed: 99));
        var replayId = await Replays.StartAsync(original.Id);
        await PipelineWaits.WaitForFinishAsync(services, replayId);

        int position = 0, realId = 0, fakeId = 0;
        await EditAsync(original.Id, run =>
        {
            var tokens = run.Logprobs!.Read().ToList();
            position = tokens.Count / 2;
            realId = tokens[position].TokenId;
            fakeId = realId == 1000 ? 1001 : 1000;
            tokens[position] = tokens[position] with { TokenId = fakeId };
            run.Logprobs.Payload = RunLogprobs.Encode(tokens);
        });

        var verdict = (await Replays.GetForRunAsync(replayId))!.AsReplay!;
        Assert.Equal(ReplayOutcome.Diverged, verdict.Outcome);
        Assert.Equal(ReplayBasis.TokenIds, verdict.Basis);
        Assert.Equal(position, verdict.Divergence!.TokenIndex);
        Assert.Equal(HarmonyTokenizer.Shared.Decode([fakeId]), verdict.Divergence.Expected);
        Assert.Equal(HarmonyTokenizer.Shared.Decode([realId]), verdict.Divergence.Actual);
        Assert.Contains($"diverged at token {position}", verdict.Summary);
    }

    [Fact]
    public async Task A_changed_weights_fingerprint_refuses_the_replay_and_a_replay_that_ran_on_other_weights_says_so()
    {
        var original = await FinishedChatRunAsync(Settings(logprobs: false));
        var recorded = original.Manifest.WeightsFingerprint!;
        var replayId = await Replays.StartAsync(original.Id);
        await PipelineWaits.WaitForFinishAsync(services, replayId);

        // As if the run had been made on other weights than the model has now.
        await EditAsync(original.Id, run => run.Manifest.WeightsFingerprint = new string('0', 64));
        var factory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        int runsBefore;
        await using (var db = await factory.CreateDbContextAsync()) runsBefore = await db.Runs.CountAsync();

        var refused = await Assert.ThrowsAsync<ReplayRefusedException>(() => Replays.StartAsync(original.Id));
        Assert.Contains("fingerprint", refused.Message);
        Assert.Contains(recorded[..12], refused.Message);
        Assert.Contains("000000000000", refused.Message);
        Assert.Contains("refused", refused.Message);
        var check = await Replays.CheckAsync(original.Id);
        Assert.False(check.Allowed);
        await using (var db = await factory.CreateDbContextAsync()) Assert.Equal(runsBefore, await db.Runs.CountAsync());

        // The replay made before the change now compares against a run from other weights: a finding of its own.
        var verdict = (await Replays.GetForRunAsync(replayId))!.AsReplay!;
        Assert.Contains(verdict.Findings, f => f.Contains("other weights"));
    }

    [Fact]
    public async Task A_sampled_run_without_a_recorded_seed_may_be_replayed_but_identity_is_not_expected()
    {
        var original = await FinishedChatRunAsync(Settings(logprobs: false));
        await EditAsync(original.Id, run => run.Manifest.Seed = null);

        var check = await Replays.CheckAsync(original.Id);

        Assert.True(check.Allowed);
        Assert.Contains(check.Warnings, w => w.Contains("no seed") && w.Contains("identity is not expected"));
    }

    [Fact]
    public async Task Replaying_a_batch_counts_identical_diverged_and_not_replayable_runs_and_leaves_the_batch_itself_alone()
    {
        var batches = services.GetRequiredService<BatchService>();
        var batch = await batches.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes("prompt\nSay hi\nCount to three\nName a fruit\n")), "three.csv",
            new BatchImportRequest { Name = "replayed", Matrix = new BatchMatrix { Models = [TinyModel.Name], Temperatures = [1.0], Seeds = [7] } },
            new BatchRunOptions(MaxTokens: 10));
        await PipelineWaits.WaitForBatchAsync(fixture.Host, batch.Id, p => p.Status == BatchStatus.Completed);
        var factory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        List<Run> runs;
        await using (var db = await factory.CreateDbContextAsync())
            runs = await db.Runs.AsNoTracking().Include(r => r.Messages).Where(r => r.BatchJobId == batch.Id).OrderBy(r => r.BatchItem!.Order).ToListAsync();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal(RunStatus.Succeeded, r.Status));

        // The second run's stored answer is edited, the third one claims other weights.
        await EditAsync(runs[1].Id, run =>
        {
            var message = run.Messages.OrderBy(m => m.Order).First();
            message.Content = "tampered " + message.Content;
        });
        await EditAsync(runs[2].Id, run => run.Manifest.WeightsFingerprint = new string('f', 64));

        var started = await services.GetRequiredService<ReplayService>().StartBatchAsync(batch.Id);
        Assert.Equal(2, started.ReplayRunIds.Count);
        Assert.Equal(runs[2].Id, Assert.Single(started.Refused).RunId);
        foreach (var id in started.ReplayRunIds) await PipelineWaits.WaitForFinishAsync(services, id);

        var summary = await Replays.GetBatchSummaryAsync(batch.Id);
        Assert.Equal((1, 1, 1, 0, 0), (summary.Identical, summary.Diverged, summary.NotReplayable, summary.Pending, summary.NotReplayed));
        var diverged = summary.Rows.Single(r => r.Verdict?.Outcome == ReplayOutcome.Diverged);
        Assert.Equal(runs[1].Id, diverged.RunId);
        Assert.Equal(0, diverged.Verdict!.Divergence!.CharacterOffset);
        Assert.Contains("fingerprint", summary.Rows.Single(r => r.NotReplayable is not null).NotReplayable);

        // The replays are not items of the batch: its progress still counts its own three runs.
        var progress = await batches.GetProgressAsync(batch.Id);
        Assert.Equal((3, 3), (progress.Total, progress.Done));
    }
}
