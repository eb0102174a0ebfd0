namespace GptOssWorkbench.Pipeline.Tests.Replays;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Replays;

/// <summary>The verdict's edge cases: one output a prefix of the other, a message missing, a channel changed, manifest findings.</summary>
public sealed class ReplayComparerTests
{
    private static readonly HarmonyTokenizer Tokenizer = HarmonyTokenizer.Shared;

    private static Run Finished(params (string Channel, string Text)[] messages)
    {
        var run = new Run { Manifest = new RunManifest { ModelName = "m", WeightsFingerprint = "abc", PromptTokensSha256 = "p", EngineVersion = "1", Device = "cpu" } };
        run.Messages.AddRange(messages.Select((m, i) => new Message { Role = MessageRole.Assistant, Channel = m.Channel, Content = m.Text, Order = i }));
        run.MoveTo(RunStatus.Running, DateTime.UtcNow);
        run.MoveTo(RunStatus.Succeeded, DateTime.UtcNow);
        return run;
    }

    /// <summary>A completion as the engine generates it: header, content, end, for each (channel, text).</summary>
    private static List<int> Tokens(params (string Channel, string Text)[] messages)
    {
        var text = string.Concat(messages.Select((m, i) => (i == 0 ? "" : "<|start|>assistant") + $"<|channel|>{m.Channel}<|message|>{m.Text}<|end|>"));
        return [.. Tokenizer.EncodeWithSpecials(text)];
    }

    [Fact]
    public void A_replay_that_runs_past_the_original_diverges_where_the_original_ended()
    {
        var expected = Tokens(("analysis", "think"));
        var actual = Tokens(("analysis", "think"), ("final", "42"));

        var verdict = ReplayComparer.Compare(Finished(), expected, Finished(), actual, Tokenizer);

        Assert.Equal(ReplayOutcome.Diverged, verdict.Outcome);
        Assert.Equal(expected.Count, verdict.Divergence!.TokenIndex);
        Assert.Equal("", verdict.Divergence.Expected);
        Assert.Equal("<|start|>", verdict.Divergence.Actual);
        Assert.Null(verdict.Divergence.Channel); // between messages: in no message's content
        Assert.Equal("", verdict.OriginalFromThere);
        Assert.StartsWith("<|start|>assistant<|channel|>final", verdict.ReplayFromThere);
    }

    [Fact]
    public void A_token_differing_inside_the_answer_names_the_final_channel_and_the_message()
    {
        var expected = Tokens(("analysis", "think"), ("final", "The answer is 4"));
        var actual = Tokens(("analysis", "think"), ("final", "The answer is 5"));

        var verdict = ReplayComparer.Compare(Finished(), expected, Finished(), actual, Tokenizer);

        var d = verdict.Divergence!;
        Assert.Equal("final", d.Channel);
        Assert.Equal(1, d.MessageIndex);
        Assert.Equal(Tokenizer.Decode([expected[d.TokenIndex!.Value]]), d.Expected);
        Assert.Contains("4", d.Expected);
        Assert.Contains("5", d.Actual);
    }

    [Fact]
    public void Text_comparison_reports_a_missing_message_with_its_channel_and_a_changed_channel_at_the_message_start()
    {
        var missing = ReplayComparer.Compare(Finished(("analysis", "a"), ("final", "b")), null, Finished(("analysis", "a")), null, Tokenizer);
        Assert.Equal((1, 0, "final"), (missing.Divergence!.MessageIndex, missing.Divergence.CharacterOffset!.Value, missing.Divergence.Channel));
        Assert.Equal("[final] b", missing.Divergence.Expected);
        Assert.Equal("", missing.Divergence.Actual);

        var channel = ReplayComparer.Compare(Finished(("analysis", "same")), null, Finished(("final", "same")), null, Tokenizer);
        Assert.Equal(0, channel.Divergence!.CharacterOffset);
        Assert.Equal("[analysis] same", channel.Divergence.Expected);
        Assert.Equal("[final] same", channel.Divergence.Actual);
    }

    [Fact]
    public void Identical_output_on_other_weights_is_still_reported_with_the_finding()
    {
        var original = Finished(("final", "x"));
        var replay = Finished(("final", "x"));
        replay.Manifest.WeightsFingerprint = "def";
        replay.Manifest.Device = "cuda:0";

        var verdict = ReplayComparer.Compare(original, null, replay, null, Tokenizer);

        Assert.Equal(ReplayOutcome.Identical, verdict.Outcome);
        Assert.Equal(2, verdict.Findings.Count);
        Assert.Contains("other weights", verdict.Findings[0]);
        Assert.Contains("cuda:0", verdict.Findings[1]);
    }

    [Fact]
    public void An_unfinished_or_failed_replay_is_not_compared()
    {
        var running = new Run { Manifest = new RunManifest() };
        running.MoveTo(RunStatus.Running, DateTime.UtcNow);
        Assert.Equal(ReplayOutcome.Pending, ReplayComparer.Compare(Finished(), null, running, null, Tokenizer).Outcome);

        running.MoveTo(RunStatus.Failed, DateTime.UtcNow);
        running.Error = "out of memory";
        var failed = ReplayComparer.Compare(Finished(), null, running, null, Tokenizer);
        Assert.Equal(ReplayOutcome.ReplayFailed, failed.Outcome);
        Assert.Contains("out of memory", failed.Summary);
    }
}
