namespace GptOssWorkbench.Web.Tests.Transcripts;

using Bunit;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Web.Transcripts;

public sealed class TranscriptViewTests : DatabaseComponentTest
{
    private const string Attack = "<script>alert('x')</script><img src=x onerror=alert(1)><b>bold</b>";

    private static Message Msg(long id, MessageRole role, string? channel, string content, string? recipient = null, string? contentType = null) =>
        new() { Id = id, Role = role, Channel = channel, Content = content, Recipient = recipient, ContentType = contentType, Order = (int)id };

    [Fact]
    public void Script_and_markup_in_every_channel_are_shown_as_text_never_as_elements()
    {
        var messages = new List<Message>
        {
            Msg(1, MessageRole.System, null, "sys " + Attack),
            Msg(2, MessageRole.Developer, null, "dev " + Attack),
            Msg(3, MessageRole.User, null, "user " + Attack),
            Msg(4, MessageRole.Assistant, MessageChannels.Analysis, "think " + Attack),
            Msg(5, MessageRole.Assistant, MessageChannels.Commentary, "call " + Attack, recipient: "functions.x<script>", contentType: "<|constrain|>json<script>"),
            Msg(6, MessageRole.Tool, null, "tool " + Attack, recipient: "functions.x"),
            Msg(7, MessageRole.Assistant, MessageChannels.Final, "answer " + Attack + "\n\n[click](javascript:alert(1)) and [ok](https://example.com)"),
        };

        var cut = Render<TranscriptView>(p => p.Add(c => c.Messages, messages));

        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        Assert.Empty(cut.FindAll("b"));
        Assert.Empty(cut.FindAll("[onerror]"));
        Assert.DoesNotContain("javascript:", string.Join(" ", cut.FindAll("a").Select(a => a.GetAttribute("href"))));
        Assert.Contains(cut.FindAll("a"), a => a.GetAttribute("href") == "https://example.com");
        // The text is still there, visibly, for a reviewer to see what the model tried.
        var text = cut.Find("[data-testid=transcript]").TextContent;
        foreach (var prefix in new[] { "sys ", "dev ", "user ", "think ", "call ", "tool ", "answer " })
            Assert.Contains(prefix + "<script>alert('x')</script>", text);
        Assert.Contains("functions.x<script>", text);
    }

    [Fact]
    public void Channels_are_labelled_and_the_answer_renders_markdown()
    {
        var messages = new List<Message>
        {
            Msg(1, MessageRole.Assistant, MessageChannels.Analysis, "Let me think."),
            Msg(2, MessageRole.Assistant, MessageChannels.Commentary, "{\"city\":\"Oslo\"}", recipient: "functions.get_weather"),
            Msg(3, MessageRole.Assistant, MessageChannels.Final, "**42** is the answer\n\n```\ncode\n```"),
        };

        var cut = Render<TranscriptView>(p => p.Add(c => c.Messages, messages));

        Assert.Contains("Reasoning (analysis)", cut.Find(".msg-analysis").TextContent);
        Assert.Contains("Tool call → functions.get_weather", cut.Find(".msg-commentary").TextContent);
        Assert.Equal("42", cut.Find("[data-testid=answer-body] strong").TextContent);
        Assert.Equal("code", cut.Find("[data-testid=answer-body] pre code").TextContent);
    }

    [Fact]
    public void A_built_in_tool_call_on_the_analysis_channel_is_shown_as_a_call_not_as_reasoning()
    {
        // gpt-oss calls its built-in tools (browser, python) on analysis, its developer functions on commentary.
        var messages = new List<Message>
        {
            Msg(1, MessageRole.Assistant, MessageChannels.Analysis, "I should compute it."),
            Msg(2, MessageRole.Assistant, MessageChannels.Analysis, "print(2**10)", recipient: "python"),
            Msg(3, MessageRole.Tool, MessageChannels.Analysis, "1024", recipient: "python"),
            Msg(4, MessageRole.Assistant, MessageChannels.Final, "1024"),
        };

        var cut = Render<TranscriptView>(p => p.Add(c => c.Messages, messages).Add(c => c.OnAnnotate, (_ => { })));

        var analysis = cut.FindAll(".msg-analysis");
        Assert.Equal(2, analysis.Count);
        Assert.Contains("Reasoning (analysis)", analysis[0].TextContent);
        Assert.Contains("Tool call → python (analysis)", analysis[1].TextContent);
        Assert.DoesNotContain("Reasoning", analysis[1].TextContent);
        // Only the chain of thought is reasoning to annotate; the code is shown as code.
        Assert.Equal(["I should compute it."], cut.FindAll("[data-testid=reasoning-body]").Select(e => e.TextContent));
        Assert.Single(cut.FindAll("[data-testid=annotate-selection]"));
        Assert.Equal("print(2**10)", cut.Find(".msg-code").TextContent);
    }

    [Fact]
    public void Annotated_spans_of_the_reasoning_are_highlighted_without_changing_the_text()
    {
        var messages = new List<Message> { Msg(9, MessageRole.Assistant, MessageChannels.Analysis, "first step then <b>second</b> step") };
        var notes = new Dictionary<long, IReadOnlyList<SpanNote>> { [9] = [new SpanNote(1, 16, 29, "wrong <i>claim</i>")] };

        var cut = Render<TranscriptView>(p => p.Add(c => c.Messages, messages).Add(c => c.AnnotationsByMessage, notes));

        var mark = cut.Find("[data-testid=span-highlight]");
        Assert.Equal("<b>second</b>", mark.TextContent);
        Assert.Equal("wrong <i>claim</i>", mark.GetAttribute("title"));
        Assert.Equal("first step then <b>second</b> step", cut.Find("[data-testid=reasoning-body]").TextContent);
    }

    [Fact]
    public void Segments_split_at_overlapping_spans_and_clip_out_of_range_ones()
    {
        var segments = HighlightSegments.Split("abcdefghij", [new SpanNote(1, 2, 6, "x"), new SpanNote(2, 4, 8, "y"), new SpanNote(3, 8, 50, "z"), new SpanNote(4, 60, 70, "gone")]);

        Assert.Equal(["ab", "cd", "ef", "gh", "ij"], segments.Select(s => s.Text));
        Assert.Equal([0, 1, 2, 1, 1], segments.Select(s => s.Notes.Count));
        Assert.Equal("z", segments[4].Notes[0].Note);
    }
}
