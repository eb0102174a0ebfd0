namespace GptOssWorkbench.Web.Tests.Chat;

using Bunit;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Chat;

public sealed class ChatAnswerTests : DatabaseComponentTest
{
    private const string Attack = "<script>alert(1)</script><img src=x onerror=alert(2)>";

    [Fact]
    public void Streaming_reply_shows_reasoning_panel_and_answer_text_as_escaped_text()
    {
        var run = new Run { Id = 5 };
        var live = new LiveRun(5);
        live.Apply(new RunDelta(5, null, 0, MessageChannels.Analysis, null, "thinking " + Attack));
        live.Apply(new RunDelta(5, null, 1, MessageChannels.Commentary, "functions.lookup", "{\"q\":\"" + Attack + "\"}"));
        live.Apply(new RunDelta(5, null, 2, MessageChannels.Final, null, "answer " + Attack));

        var cut = Render<ChatAnswer>(p => p.Add(c => c.Run, run).Add(c => c.Live, live));

        Assert.Contains("thinking <script>", cut.Find("[data-testid=reasoning-text]").TextContent);
        Assert.Contains("Tool call → functions.lookup", cut.Find("[data-testid=tool-call]").TextContent);
        Assert.Contains("answer <script>", cut.Find("[data-testid=answer-text]").TextContent);
        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
    }

    [Fact]
    public void Finished_reply_renders_stored_messages_with_safe_markdown()
    {
        var run = new Run { Id = 6 };
        run.MoveTo(RunStatus.Running, DateTime.UtcNow);
        run.MoveTo(RunStatus.Succeeded, DateTime.UtcNow);
        run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Analysis, Content = "r " + Attack, Order = 0 });
        run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = "**bold** " + Attack, Order = 1 });

        var cut = Render<ChatAnswer>(p => p.Add(c => c.Run, run).Add(c => c.Live, new LiveRun(6)));

        Assert.Equal("bold", cut.Find("[data-testid=answer-text] strong").TextContent);
        Assert.Contains("<script>alert(1)</script>", cut.Find("[data-testid=answer-text]").TextContent);
        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
    }
}
