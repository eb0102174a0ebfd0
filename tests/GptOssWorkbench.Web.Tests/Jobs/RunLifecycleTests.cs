namespace GptOssWorkbench.Web.Tests.Jobs;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Harmony = GptOssWorkbench.Engine.Harmony;

/// <summary>Chat runs through the real embedded pipeline: web host, SQLite file, Hangfire, engine, tiny random model.</summary>
[Collection(PipelineCollection.Name)]
public sealed class RunLifecycleTests(PipelineHostFixture fixture)
{
    private readonly IServiceProvider services = fixture.Services;

    private static RunSettings Settings(int maxTokens = 6, double temperature = 1.0) =>
        new() { ModelName = TinyModel.Name, MaxTokens = maxTokens, Temperature = temperature, ReasoningEffort = Data.Runs.ReasoningEffort.Low };

    [Fact]
    public async Task Chat_run_is_stored_with_its_messages_stats_and_a_replayable_manifest()
    {
        var launcher = services.GetRequiredService<RunLauncher>();
        var turn = await launcher.SendChatMessageAsync(new ChatMessageRequest(null, "What is 2+2?", Settings()));

        var run = await PipelineWaits.WaitForFinishAsync(services, turn.RunId);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Contains(run.FinishReason, new[] { "length", "stop" });
        Assert.Equal(1, run.AttemptCount);
        Assert.NotEmpty(run.Messages);
        Assert.All(run.Messages, m => Assert.Equal(turn.ConversationId, m.ConversationId));
        Assert.Equal(turn.UserMessageId, run.Messages.OrderBy(m => m.Order).First().ParentMessageId);
        Assert.Equal(run.OutputTokens, run.Messages.Sum(m => m.TokenCount));
        Assert.InRange(run.OutputTokens, 1, 6);
        Assert.True(run.TimeToFirstTokenMs > 0);
        Assert.NotNull(run.StartedAt);
        Assert.NotNull(run.FinishedAt);

        // The manifest names the exact prompt: the system message with the effort, then the user message.
        var expected = new HarmonyRenderer().RenderForCompletion(Harmony.Conversation.Of(
            HarmonyMessage.System(new SystemContent { ReasoningEffort = Harmony.ReasoningEffort.Low }),
            HarmonyMessage.User("What is 2+2?")));
        Assert.Equal(expected.Count, run.Manifest.PromptTokenCount);
        Assert.Equal(expected.Count, run.PromptTokens);
        Assert.Equal(RunManifest.HashPromptTokens(expected), run.Manifest.PromptTokensSha256);
        Assert.Equal(CheckpointLoader.Inspect(TinyModel.FolderPath).Fingerprint, run.Manifest.WeightsFingerprint);
        Assert.NotNull(run.Manifest.Seed);
        Assert.Equal("cpu", run.Manifest.Device);
        Assert.False(string.IsNullOrEmpty(run.Manifest.EngineVersion));
    }

    [Fact]
    public async Task Second_turn_renders_the_thread_and_a_recorded_seed_replays_the_same_output()
    {
        var launcher = services.GetRequiredService<RunLauncher>();
        var first = await launcher.SendChatMessageAsync(new ChatMessageRequest(null, "Hello", Settings(temperature: 0.8)));
        var firstRun = await PipelineWaits.WaitForFinishAsync(services, first.RunId);
        var second = await launcher.SendChatMessageAsync(new ChatMessageRequest(first.ConversationId, "And again", Settings(temperature: 0.8)));
        var secondRun = await PipelineWaits.WaitForFinishAsync(services, second.RunId);

        // The second prompt holds the first answer (stored under the first user message) and the new question.
        var answer = firstRun.Messages.OrderBy(m => m.Order).ToList();
        var history = new List<HarmonyMessage>
        {
            HarmonyMessage.System(new SystemContent { ReasoningEffort = Harmony.ReasoningEffort.Low }),
            HarmonyMessage.User("Hello"),
        };
        history.AddRange(answer.Select(m => HarmonyMessage.Assistant(m.Content, m.Channel ?? Channels.Final)));
        history.Add(HarmonyMessage.User("And again"));
        var expected = new HarmonyRenderer().RenderForCompletion(new Harmony.Conversation(history));
        Assert.Equal(RunManifest.HashPromptTokens(expected), secondRun.Manifest.PromptTokensSha256);

        // Replaying the first question with the first run's seed gives the same text.
        var replay = await launcher.SendChatMessageAsync(new ChatMessageRequest(null, "Hello",
            Settings(temperature: 0.8) with { Seed = firstRun.Manifest.Seed }));
        var replayRun = await PipelineWaits.WaitForFinishAsync(services, replay.RunId);
        Assert.Equal(answer.Select(m => m.Content), replayRun.Messages.OrderBy(m => m.Order).Select(m => m.Content));
    }

    [Fact]
    public async Task A_subscriber_gets_started_then_deltas_that_add_up_to_the_stored_output_then_finished()
    {
        using var recorder = new PipelineWaits.Recorder(services);
        var turn = await services.GetRequiredService<RunLauncher>().SendChatMessageAsync(new ChatMessageRequest(null, "Stream please", Settings(maxTokens: 8)));
        var finished = await recorder.WaitForAsync<RunFinished>(turn.RunId);
        var run = await PipelineWaits.WaitForFinishAsync(services, turn.RunId);

        var updates = recorder.Of(turn.RunId);
        Assert.IsType<RunStarted>(updates[0]);
        Assert.IsType<RunFinished>(updates[^1]);
        var deltas = updates.OfType<RunDelta>().ToList();
        Assert.NotEmpty(deltas);
        foreach (var message in run.Messages.OrderBy(m => m.Order).Select((m, i) => (m, i)))
        {
            Assert.Equal(message.m.Content, string.Concat(deltas.Where(d => d.MessageIndex == message.i).Select(d => d.Text)));
            Assert.All(deltas.Where(d => d.MessageIndex == message.i), d => Assert.Equal(message.m.Channel, d.Channel));
        }
        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.Equal(run.OutputTokens, finished.Stats.OutputTokens);
    }

    [Fact]
    public async Task A_watch_handed_to_the_launcher_hears_only_its_run_from_started_to_finished_with_deltas_adding_up_to_the_stored_output()
    {
        var heard = new System.Collections.Concurrent.ConcurrentQueue<RunUpdate>();
        using var watch = services.GetRequiredService<RunUpdates>().Watch(heard.Enqueue);
        using var recorder = new PipelineWaits.Recorder(services);
        var launcher = services.GetRequiredService<RunLauncher>();
        // Another run at the same time: the watch must not hear it.
        var other = await launcher.SendChatMessageAsync(new ChatMessageRequest(null, "Someone else", Settings(maxTokens: 8)));
        var turn = await launcher.SendChatMessageAsync(new ChatMessageRequest(null, "Stream please", Settings(maxTokens: 8)), watch);
        await recorder.WaitForAsync<RunFinished>(turn.RunId);
        await recorder.WaitForAsync<RunFinished>(other.RunId);
        var run = await PipelineWaits.WaitForFinishAsync(services, turn.RunId);

        var updates = heard.ToList();
        Assert.All(updates, u => Assert.Equal(turn.RunId, u.RunId));
        // Bound before the job was enqueued: nothing of the run was missed, and the recorder (subscribed to all) agrees.
        Assert.Equal(recorder.Of(turn.RunId), updates);
        Assert.IsType<RunStarted>(updates[0]);
        Assert.IsType<RunFinished>(updates[^1]);
        var deltas = updates.OfType<RunDelta>().ToList();
        foreach (var message in run.Messages.OrderBy(m => m.Order).Select((m, i) => (m, i)))
            Assert.Equal(message.m.Content, string.Concat(deltas.Where(d => d.MessageIndex == message.i).Select(d => d.Text)));
        Assert.Equal(run.Messages.Count, deltas.Select(d => d.MessageIndex).Distinct().Count());
        // The run is over: the watch let it go.
        Assert.Empty(watch.RunIds);
    }

    [Fact]
    public async Task Cancel_stops_a_running_run_quickly_and_keeps_what_it_made()
    {
        using var recorder = new PipelineWaits.Recorder(services);
        // Seeded: a random seed can sample a stop token before the cancel arrives (the run then succeeds); this seed's
        // 3000 tokens hold none.
        var turn = await services.GetRequiredService<RunLauncher>().SendChatMessageAsync(
            new ChatMessageRequest(null, "Go on forever", Settings(maxTokens: 3000) with { Seed = 5 }));
        await recorder.WaitForAsync<RunStarted>(turn.RunId);
        await PipelineWaits.WaitForRunAsync(services, turn.RunId, r => r.OutputTokens > 0);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await services.GetRequiredService<RunControl>().CancelAsync(turn.RunId));
        var finished = await recorder.WaitForAsync<RunFinished>(turn.RunId);
        clock.Stop();

        Assert.Equal(RunStatus.Cancelled, finished.Status);
        // A hang guard, not a speed test: the cancel is seen at the engine's next step (milliseconds on an idle
        // machine), but a loaded 2-core CI runner can stall any single step for seconds.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"cancel took {clock.Elapsed}");
        var run = await PipelineWaits.WaitForFinishAsync(services, turn.RunId);
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Equal("cancelled", run.FinishReason);
        Assert.InRange(run.OutputTokens, 1, 2999);
        Assert.False(await services.GetRequiredService<RunControl>().CancelAsync(turn.RunId));
    }

    [Fact]
    public async Task A_failed_run_can_be_retried_and_a_duplicate_job_never_duplicates_output()
    {
        // A registered model whose folder vanished: the run fails with a message naming the problem.
        var folder = Path.Combine(fixture.Host.TempDirectory, "moved-model");
        CopyDirectory(TinyModel.FolderPath, folder);
        var catalog = services.GetRequiredService<GptOssWorkbench.Pipeline.Models.ModelCatalog>();
        await catalog.RegisterAsync("flaky", folder);
        Directory.Move(folder, folder + ".gone");

        var launcher = services.GetRequiredService<RunLauncher>();
        var turn = await launcher.SendChatMessageAsync(new ChatMessageRequest(null, "Try", Settings() with { ModelName = "flaky" }));
        var failed = await PipelineWaits.WaitForFinishAsync(services, turn.RunId);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains("moved-model", failed.Error);

        Directory.Move(folder + ".gone", folder);
        await services.GetRequiredService<RunControl>().RetryAsync(turn.RunId);
        // The same run enqueued twice more: only one job may claim it.
        await launcher.EnqueueAsync(turn.RunId);
        await launcher.EnqueueAsync(turn.RunId);
        var retried = await PipelineWaits.WaitForFinishAsync(services, turn.RunId);
        await Task.Delay(500); // give the duplicate jobs time to (not) act

        var factory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var run = await db.Runs.Include(r => r.Messages).SingleAsync(r => r.Id == turn.RunId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Null(run.Error);
        Assert.Equal(2, run.AttemptCount);
        Assert.Equal(run.OutputTokens, run.Messages.Sum(m => m.TokenCount));
        Assert.Equal(run.Messages.Count, run.Messages.Select(m => m.Order).Distinct().Count());
        Assert.Equal(retried.Messages.Count, run.Messages.Count);
        await Assert.ThrowsAsync<InvalidOperationException>(() => services.GetRequiredService<RunControl>().RetryAsync(turn.RunId));
    }

    internal static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
