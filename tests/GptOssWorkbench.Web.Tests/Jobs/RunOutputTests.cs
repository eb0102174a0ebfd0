namespace GptOssWorkbench.Web.Tests.Jobs;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>How a completion in proper harmony (what a trained model writes) becomes stored messages and live deltas.</summary>
public sealed class RunOutputTests
{
    private static readonly HarmonyRenderer Renderer = new();

    /// <summary>The tokens a model writes after the prompt's "&lt;|start|&gt;assistant": an analysis message, then the final answer.</summary>
    private static List<int> Completion(string reasoning, string answer)
    {
        var analysis = new List<int>();
        Renderer.RenderMessage(HarmonyMessage.Assistant(reasoning, Channels.Analysis), analysis);
        var prefix = 1 + HarmonyTokenizer.Shared.EncodeOrdinary("assistant").Count;
        var final = new List<int>();
        Renderer.RenderMessage(HarmonyMessage.Assistant(answer, Channels.Final), final);
        final[^1] = HarmonyTokens.Return; // the turn ends with <|return|>, not <|end|>
        return [.. analysis.Skip(prefix), .. final];
    }

    [Fact]
    public void Reasoning_and_answer_are_stored_as_separate_channels_with_their_token_counts()
    {
        var updates = new RunUpdates(NullLogger<RunUpdates>.Instance);
        var seen = new List<RunDelta>();
        using var _ = updates.Subscribe(42, u => { if (u is RunDelta d) seen.Add(d); });
        var run = new Run { Id = 42, ConversationId = 5, ReplyToMessageId = 9 };
        var output = new RunOutput(run, replyToOrder: 3, DateTime.UtcNow, HarmonyTokenizer.Shared, updates);
        var tokens = Completion("The user asks 2+2. That is 4.", "2 + 2 = **4**");

        foreach (var token in tokens) output.Feed(token);
        output.Finish();
        var messages = output.Snapshot();

        Assert.Equal([Channels.Analysis, Channels.Final], messages.Select(m => m.Channel));
        Assert.Equal(["The user asks 2+2. That is 4.", "2 + 2 = **4**"], messages.Select(m => m.Content));
        Assert.All(messages, m => Assert.Equal(MessageRole.Assistant, m.Role));
        Assert.Equal(tokens.Count, messages.Sum(m => m.TokenCount));
        Assert.Equal(tokens.Count, output.TokenCount);
        Assert.Equal(messages[0].TokenCount, output.ReasoningTokens);
        Assert.True(output.ReasoningTokens > 5 && output.ReasoningTokens < tokens.Count);
        Assert.Equal([4, 5], messages.Select(m => m.Order));
        Assert.Equal(9, messages[0].ParentMessageId);
        Assert.Same(messages[0], messages[1].Parent);
        Assert.False(output.StoppedByCall);

        // Live deltas carry the same text per message and channel.
        Assert.Equal("The user asks 2+2. That is 4.", string.Concat(seen.Where(d => d.MessageIndex == 0).Select(d => d.Text)));
        Assert.All(seen.Where(d => d.MessageIndex == 0), d => Assert.Equal(Channels.Analysis, d.Channel));
        Assert.Equal("2 + 2 = **4**", string.Concat(seen.Where(d => d.MessageIndex == 1).Select(d => d.Text)));
        Assert.All(seen.Where(d => d.MessageIndex == 1), d => Assert.Equal(Channels.Final, d.Channel));
    }

    [Fact]
    public void A_snapshot_mid_message_holds_the_unfinished_message()
    {
        var run = new Run { Id = 1 };
        var output = new RunOutput(run, replyToOrder: -1, DateTime.UtcNow, HarmonyTokenizer.Shared, new RunUpdates(NullLogger<RunUpdates>.Instance));
        var tokens = Completion("thinking hard about it", "done");
        var cut = tokens.IndexOf(HarmonyTokens.End) - 1;
        foreach (var token in tokens.Take(cut)) output.Feed(token);

        var partial = Assert.Single(output.Snapshot());
        Assert.Equal(Channels.Analysis, partial.Channel);
        Assert.StartsWith("thinking", partial.Content);
        Assert.Null(partial.ConversationId);
        Assert.Equal(0, partial.Order);
    }
}
