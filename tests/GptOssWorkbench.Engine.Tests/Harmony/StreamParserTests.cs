namespace GptOssWorkbench.Engine.Tests.Harmony;

using GptOssWorkbench.Engine.Harmony;
using static ConformanceFixtureTests;

public class StreamParserTests
{
    private static HarmonyTokenizer Tokenizer => HarmonyTokenizer.Shared;
    private static IReadOnlyList<int> Tokens(string text) => Tokenizer.EncodeWithSpecials(text);

    private const string Completion =
        "<|channel|>analysis<|message|>Need get_weather for Tokyo 🎉.<|end|>" +
        "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"location\":\"Tokyo\"}<|call|>";

    [Fact]
    public void Model_style_tool_call_completion_parses_into_analysis_and_call()
    {
        var result = HarmonyStreamParser.Parse(Tokens(Completion), Tokenizer);

        Assert.Collection(result.Messages,
            m => AssertMessage(m, Role.Assistant, "analysis", null, null, "Need get_weather for Tokyo 🎉."),
            m => AssertMessage(m, Role.Assistant, "commentary", "functions.get_weather", "<|constrain|>json", "{\"location\":\"Tokyo\"}"));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Events_report_start_deltas_end_tool_call_and_stop_in_order()
    {
        var parser = new HarmonyStreamParser(Tokenizer);
        var events = Tokens(Completion).SelectMany(parser.Feed).ToList();

        var kinds = events.Where(e => e is not ContentDelta).Select(e => e.GetType().Name).ToList();
        Assert.Equal(["MessageStarted", "MessageEnded", "MessageStarted", "MessageEnded", "ToolCallCompleted", "Stopped"], kinds);
        var secondStart = events.OfType<MessageStarted>().Last();
        Assert.Equal(("commentary", "functions.get_weather", "<|constrain|>json", Role.Assistant),
            (secondStart.Channel, secondStart.Recipient, secondStart.ContentType, secondStart.Author.Role));
        var call = events.OfType<ToolCallCompleted>().Single();
        Assert.Equal(("functions.get_weather", "{\"location\":\"Tokyo\"}"), (call.Recipient, call.Arguments));
        Assert.Equal(StopReason.Call, events.OfType<Stopped>().Single().Reason);
        Assert.Equal(StopReason.Call, parser.StoppedBy);
        Assert.All(events.OfType<ContentDelta>(), d => Assert.DoesNotContain('\uFFFD', d.Text));
    }

    public static TheoryData<string> StreamTexts =>
    [
        Completion,
        "<|channel|>analysis<|message|>Simple arithmetic: 4.<|end|><|start|>assistant<|channel|>final<|message|>2 + 2 = 4.<|return|>",
        "<|channel|>final<|message|>Hello Müller, Γειά σου, Привет, שלום, नमस्ते, こんにちは 😊👋🏾👨‍👩‍👧‍👦🇺🇸.<|return|>",
        "I must refuse<|end|><|start|>assistant<|channel|>final<|message|>Sorry.<|return|>",
    ];

    [Theory]
    [MemberData(nameof(StreamTexts))]
    public void Feeding_token_by_token_gives_the_same_messages_as_parsing_the_whole_and_deltas_add_up(string text)
    {
        var tokens = Tokens(text);
        var whole = HarmonyStreamParser.Parse(tokens, Tokenizer);

        var parser = new HarmonyStreamParser(Tokenizer);
        var perMessage = new List<string>();
        var current = "";
        foreach (var token in tokens)
        {
            foreach (var e in parser.Feed(token))
            {
                if (e is ContentDelta d) current += d.Text;
                if (e is MessageEnded) { perMessage.Add(current); current = ""; }
            }
        }
        parser.Finish();

        Assert.Equal(HarmonyJson.WriteMessages(whole.Messages), HarmonyJson.WriteMessages(parser.Messages));
        Assert.Equal(whole.Messages.Select(m => m.Text), perMessage);
    }

    [Fact]
    public void Emoji_split_across_tokens_streams_as_one_delta_without_replacement_characters()
    {
        var parser = new HarmonyStreamParser(Tokenizer);
        foreach (var t in Tokens("<|channel|>final<|message|>")) parser.Feed(t);

        Assert.Empty(parser.Feed(71344));
        Assert.Null(parser.LastDelta);
        var delta = Assert.IsType<ContentDelta>(Assert.Single(parser.Feed(231)));
        Assert.Equal("🎉", delta.Text);
        Assert.Equal("🎉", parser.CurrentContent);
        Assert.Equal("final", parser.CurrentChannel);
        Assert.Equal(Role.Assistant, parser.CurrentRole);
    }

    [Fact]
    public void Invalid_utf8_inside_content_becomes_replacement_characters_and_the_rest_survives()
    {
        // Reference test_streamable_parser_invalid_utf8_decoding: 9552 is " \xF0\x9F".
        var tokens = Tokens("<|start|>assistant<|message|>").Concat([9552, 9552]).Concat(Tokens("worked<|end|>"));
        var result = HarmonyStreamParser.Parse(tokens, Tokenizer, presetRole: null);
        Assert.Equal(" \uFFFD \uFFFDworked", Assert.Single(result.Messages).Text);

        var split = Tokens("<|start|>assistant<|message|>").Concat([9552]).Concat(Tokenizer.EncodeOrdinary(" interesting")).Concat([HarmonyTokens.End]);
        Assert.Equal(" \uFFFD interesting", Assert.Single(HarmonyStreamParser.Parse(split, Tokenizer, presetRole: null).Messages).Text);
    }

    [Fact]
    public void Missing_message_token_keeps_the_text_as_content_with_a_warning()
    {
        var result = HarmonyStreamParser.Parse(Tokens(
            "<|channel|>analysis I must refuse<|end|>" +
            "<|start|>assistant<|channel|>final<|message|>I'm sorry, but I can't help with that.<|return|>"), Tokenizer);

        Assert.Collection(result.Messages,
            m => AssertMessage(m, Role.Assistant, "analysis", null, null, "I must refuse"),
            m => AssertMessage(m, Role.Assistant, "final", null, null, "I'm sorry, but I can't help with that."));
        Assert.Contains(result.Warnings, w => w.Contains("<|message|>"));
    }

    [Fact]
    public void Missing_channel_gives_a_message_without_channel()
    {
        var result = HarmonyStreamParser.Parse(Tokens("<|message|>Just text.<|return|>"), Tokenizer);
        AssertMessage(Assert.Single(result.Messages), Role.Assistant, null, null, null, "Just text.");
    }

    [Fact]
    public void Text_after_the_stop_token_is_kept_as_another_message_with_a_warning()
    {
        var result = HarmonyStreamParser.Parse(Tokens("<|channel|>final<|message|>Done.<|return|>and more words"), Tokenizer);

        Assert.Equal(2, result.Messages.Count);
        Assert.Equal("Done.", result.Messages[0].Text);
        Assert.Equal("and more words", result.Messages[1].Text);
        Assert.Contains(result.Warnings, w => w.Contains("after the end of the turn"));
        Assert.Contains(result.Warnings, w => w.Contains("expected <|start|>"));
    }

    [Fact]
    public void Unexpected_start_inside_content_closes_the_message_and_keeps_everything()
    {
        var result = HarmonyStreamParser.Parse(Tokens(
            "<|channel|>analysis<|message|>thinking<|start|>assistant<|channel|>final<|message|>answer<|return|>"), Tokenizer);

        Assert.Collection(result.Messages,
            m => AssertMessage(m, Role.Assistant, "analysis", null, null, "thinking"),
            m => AssertMessage(m, Role.Assistant, "final", null, null, "answer"));
        Assert.Single(result.Warnings);
    }

    [Fact]
    public void Unexpected_header_token_inside_content_is_kept_as_its_literal_text()
    {
        var result = HarmonyStreamParser.Parse(Tokens("<|channel|>final<|message|>a<|channel|>b<|end|>"), Tokenizer);
        Assert.Equal("a<|channel|>b", Assert.Single(result.Messages).Text);
        Assert.Single(result.Warnings);
    }

    [Fact]
    public void Leftover_header_words_are_kept_as_content_in_lenient_mode_and_rejected_in_strict_mode()
    {
        var text = "<|start|>assistant to=functions.f<|channel|>commentary json extra<|message|>{}<|call|>";
        var lenient = HarmonyStreamParser.Parse(Tokens(text), Tokenizer, presetRole: null);
        var message = Assert.Single(lenient.Messages);
        Assert.Equal("functions.f", message.Recipient);
        Assert.Equal("extra", message.ContentType);
        Assert.Equal("json {}", message.Text);

        var e = Assert.Throws<HarmonyParseException>(() => HarmonyStreamParser.Parse(Tokens(text), Tokenizer, presetRole: null, strict: true));
        Assert.Contains("unexpected words in message header", e.Message);
    }

    [Fact]
    public void Strict_mode_rejects_a_header_without_message_token()
    {
        Assert.Throws<HarmonyParseException>(() =>
            HarmonyStreamParser.Parse(Tokens("I must refuse<|end|>"), Tokenizer, strict: true));
    }

    [Fact]
    public void End_of_stream_inside_content_keeps_the_partial_message_marked_incomplete()
    {
        var parser = new HarmonyStreamParser(Tokenizer);
        foreach (var t in Tokens("<|channel|>final<|message|>The answer is")) parser.Feed(t);
        parser.Feed(71344); // half an emoji
        var ended = parser.Finish().OfType<MessageEnded>().Single();

        Assert.True(ended.Incomplete);
        Assert.Equal("The answer is\uFFFD", ended.Message.Text);
        Assert.Contains(parser.Warnings, w => w.Contains("stream ended inside a message"));
    }

    [Theory]
    [InlineData("<|start|>assistant to=functions.get_weather<|channel|>commentary<|constrain|>json<|message|>{}<|call|>")]
    [InlineData("<|start|>assistant<|channel|>commentary to=functions.get_weather<|constrain|>json<|message|>{}<|call|>")]
    [InlineData("<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{}<|call|>")]
    public void Recipient_before_or_after_the_channel_and_constrain_with_or_without_space_all_parse(string text)
    {
        var result = HarmonyStreamParser.Parse(Tokens(text), Tokenizer, presetRole: null, strict: true);
        AssertMessage(Assert.Single(result.Messages), Role.Assistant, "commentary", "functions.get_weather", "<|constrain|>json", "{}");
    }

    [Fact]
    public void Render_then_parse_gives_back_the_conversation()
    {
        var conversation = OngoingToolChain().Append(
            HarmonyMessage.ToolResult("functions.lookup_weather", "{\"temperature\": 20}"),
            HarmonyMessage.Assistant("It is sunny and 20 °C 🌞.", "final"),
            HarmonyMessage.FromText(Role.User, "thanks") with { Author = new Author(Role.User, "bob") });
        var tokens = new HarmonyRenderer().Render(conversation, AnalysisHistory.KeepAll);

        var parsed = HarmonyStreamParser.Parse(tokens, Tokenizer, presetRole: null, strict: true);

        Assert.Equal(HarmonyJson.Write(conversation), HarmonyJson.WriteMessages(parsed.Messages));
    }

    [Theory]
    [InlineData("<|start|>assistant<|channel|>final<|message|>x<|end|>", Role.Assistant, null)]
    [InlineData("<|start|>functions.f to=assistant<|channel|>commentary<|message|>x<|end|>", Role.Tool, "assistant")]
    public void A_completion_that_repeats_start_is_read_with_the_role_it_names(string text, Role role, string? recipient)
    {
        var result = HarmonyStreamParser.Parse(Tokens(text), Tokenizer, Role.Assistant, strict: true);
        var message = Assert.Single(result.Messages);
        Assert.Equal(role, message.Role);
        Assert.Equal(recipient, message.Recipient);
        Assert.Equal("x", message.Text);
    }

    [Fact]
    public void A_call_without_recipient_warns_instead_of_reporting_a_tool_call()
    {
        var parser = new HarmonyStreamParser(Tokenizer);
        var events = Tokens("<|channel|>commentary<|message|>oops<|call|>").SelectMany(parser.Feed).ToList();
        Assert.DoesNotContain(events, e => e is ToolCallCompleted);
        Assert.Contains(events, e => e is ParseWarning);
        Assert.Equal("oops", Assert.Single(parser.Messages).Text);
    }
}
