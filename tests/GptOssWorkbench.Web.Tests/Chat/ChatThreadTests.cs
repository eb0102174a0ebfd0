namespace GptOssWorkbench.Web.Tests.Chat;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Chat;

public sealed class ChatThreadTests
{
    private static Message User(long id, long? parent, string text) => new() { Id = id, ParentMessageId = parent, Role = MessageRole.User, Content = text };
    private static Message Output(long id, long runId, long? parent, string channel) => new() { Id = id, RunId = runId, ParentMessageId = parent, Role = MessageRole.Assistant, Channel = channel, Content = channel };
    private static Run RunFor(long id, long userId) => new() { Id = id, ReplyToMessageId = userId };

    [Fact]
    public void Shows_the_latest_branch_and_lets_the_user_pick_an_edited_sibling_or_an_earlier_answer()
    {
        // u1 → run 10 (analysis 2, final 3) → u4 ; u4 edited into u5 (same parent 3) → run 11; u4 regenerated twice: runs 12, 13.
        var messages = new List<Message>
        {
            User(1, null, "first"), Output(2, 10, 1, "analysis"), Output(3, 10, 2, "final"),
            User(4, 3, "second"), User(5, 3, "second, edited"),
        };
        var runs = new List<Run> { RunFor(10, 1), RunFor(11, 5), RunFor(12, 4), RunFor(13, 4) };

        var latest = ChatThread.Build(messages, runs);
        Assert.Equal(["first", "second, edited"], latest.Select(t => t.User.Content));
        Assert.Equal([4L, 5L], latest[1].Siblings.Select(s => s.Id));
        Assert.Equal(11, latest[1].ShownRun!.Id);

        var older = ChatThread.Build(messages, runs, chosenUser: new Dictionary<long, long> { [1] = 4 }, chosenRun: new Dictionary<long, long> { [4] = 12 });
        Assert.Equal("second", older[1].User.Content);
        Assert.Equal([12L, 13L], older[1].Runs.Select(r => r.Id));
        Assert.Equal(12, older[1].ShownRun!.Id);
    }

    [Fact]
    public void Live_run_collects_deltas_per_message_and_restarts_on_a_new_attempt()
    {
        var live = new LiveRun(7);

        Assert.False(live.Apply(new RunDelta(8, null, 0, "analysis", null, "other run")));
        live.Apply(new RunDelta(7, null, 0, "analysis", null, "Let me "));
        live.Apply(new RunDelta(7, null, 0, "analysis", null, "think."));
        live.Apply(new RunDelta(7, null, 1, "final", null, "42"));
        Assert.Equal([("analysis", "Let me think."), ("final", "42")], live.Messages.Select(m => (m.Channel!, m.Text.ToString())));

        live.Apply(new RunStarted(7, null, "m", "w", 2));
        Assert.Empty(live.Messages);
        live.Apply(new RunFinished(7, null, RunStatus.Succeeded, "stop", null, new RunStats(1, 1, 0, null, null)));
        Assert.True(live.Finished);
    }
}
