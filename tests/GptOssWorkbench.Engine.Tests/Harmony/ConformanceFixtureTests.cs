namespace GptOssWorkbench.Engine.Tests.Harmony;

using System.Text.Json.Nodes;
using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Conformance with openai/harmony v0.0.8: the same conversations its tests/test_harmony.py builds, rendered by us,
/// must give the fixture text exactly and the same token ids as encoding that text with specials allowed.
/// </summary>
public class ConformanceFixtureTests
{
    private static readonly HarmonyRenderer Renderer = new();

    private const string Identity = "You are ChatGPT, a large language model trained by OpenAI.";
    private const string Robot = "Answer the user's questions like a robot.";
    private const string Capital = "What is the capital of the largest country in the world?";

    public static TheoryData<string> RenderFixtures => [.. RenderCases.Keys];

    private static readonly Dictionary<string, Func<List<int>>> RenderCases = new()
    {
        ["test_simple_convo"] = () => Complete(System(new()), User("What is 2 + 2?")),
        ["test_simple_convo_low_effort"] = () => Complete(System(new() { ReasoningEffort = ReasoningEffort.Low }), Dev(Robot), User(Capital)),
        ["test_simple_convo_medium_effort"] = () => Complete(System(new() { ReasoningEffort = ReasoningEffort.Medium }), Dev(Robot), User(Capital)),
        ["test_simple_convo_high_effort"] = () => Complete(System(new() { ReasoningEffort = ReasoningEffort.High }), Dev(Robot), User(Capital)),
        ["test_simple_convo_low_effort_no_instruction"] = () => Complete(System(new() { ReasoningEffort = ReasoningEffort.Low }), User(Capital)),
        ["test_simple_convo_medium_effort_no_instruction"] = () => Complete(System(new() { ReasoningEffort = ReasoningEffort.Medium }), User(Capital)),
        ["test_simple_convo_high_effort_no_instruction"] = () => Complete(System(new() { ReasoningEffort = ReasoningEffort.High }), User(Capital)),
        ["test_reasoning_system_message"] = () => Complete(
            System(new() { ChannelConfig = ChannelConfig.Require("analysis", "final") }), User("What is 2 + 2?")),
        ["test_reasoning_system_message_no_instruction"] = () => Complete(
            System(new() { ReasoningEffort = ReasoningEffort.High, ChannelConfig = ChannelConfig.Require("analysis", "final") }),
            User("What is the best place to eat candy in the world?")),
        ["test_reasoning_system_message_with_dates"] = () => Complete(
            System(new() { ConversationStartDate = "2021-01-01", KnowledgeCutoff = "2021-01", ChannelConfig = ChannelConfig.Require("analysis", "final") }),
            User("What is 42 * pi?")),
        ["test_render_functions_with_parameters"] = () => Complete(
            HarmonyMessage.System(new SystemContent { ReasoningEffort = ReasoningEffort.High, ConversationStartDate = "2025-06-28" }),
            HarmonyMessage.Developer(DeveloperContent.WithFunctions("Always respond in riddles", RiddleFunctions())),
            User("What is the weather like in SF?")),
        ["test_no_tools"] = () => Complete(HarmonyMessage.System(new SystemContent { ConversationStartDate = "2025-06-28" })),
        ["test_browser_tool_only"] = () => Complete(
            HarmonyMessage.System(new SystemContent { ConversationStartDate = "2025-06-28", Tools = [BuiltInTools.Browser()] })),
        ["test_browser_and_python_tool"] = () => Complete(
            HarmonyMessage.System(new SystemContent { ConversationStartDate = "2025-06-28", Tools = [BuiltInTools.Browser(), BuiltInTools.Python()] })),
        ["test_browser_and_function_tool"] = () => Complete(
            HarmonyMessage.System(new SystemContent { ConversationStartDate = "2025-06-28", Tools = [BuiltInTools.Browser()] }),
            HarmonyMessage.Developer(DeveloperContent.WithFunctions(null, new ToolDescription("lookup_weather",
                "Use this tool to lookup the weather in a given location. Call it with the parameter 'location', can be any textual description of a location.",
                Schema("""{"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}"""))))),
        ["test_dropping_cot_by_default"] = () => Renderer.RenderForCompletion(TwoPlusTwo("User asks: “What is 2 + 2?” Simple arithmetic. Provide answer."),
            AnalysisHistory.HarmonyLibraryCompat),
        ["test_preserve_cot"] = () => Renderer.RenderForCompletion(TwoPlusTwo("User asks a simple question: \"What is 2 + 2?\" The answer: 4."),
            AnalysisHistory.KeepAll),
        ["test_does_not_drop_if_ongoing_analysis"] = () => Renderer.RenderForCompletion(OngoingToolChain(), AnalysisHistory.HarmonyLibraryCompat),
        ["test_keep_analysis_between_finals"] = () => Renderer.Render(TwoFinals(), AnalysisHistory.HarmonyLibraryCompat),
    };

    [Theory]
    [MemberData(nameof(RenderFixtures))]
    public void Rendering_matches_the_reference_text_and_token_ids(string fixture)
    {
        var expectedText = Fixtures.Text(fixture);
        var tokens = RenderCases[fixture]();
        Assert.Equal(expectedText, Fixtures.Tokenizer.Decode(tokens));
        Assert.Equal(Fixtures.Tokenizer.EncodeWithSpecials(expectedText), tokens);
    }

    [Theory]
    [MemberData(nameof(RenderFixtures))]
    public void Parsing_a_rendered_fixture_and_rendering_it_again_gives_the_same_text(string fixture)
    {
        var text = Fixtures.Text(fixture);
        var tokens = Fixtures.Tokenizer.EncodeWithSpecials(text).ToList();
        var forCompletion = tokens.Count >= 2 && tokens[^2] == HarmonyTokens.Start && tokens[^1] == 173781; // "assistant"
        if (forCompletion) tokens.RemoveRange(tokens.Count - 2, 2);

        var parsed = HarmonyStreamParser.Parse(tokens, Fixtures.Tokenizer, presetRole: null, strict: true);
        var conversation = new Conversation(parsed.Messages);
        // The text already is the history after dropping, so nothing more may be dropped.
        var rendered = forCompletion
            ? Renderer.RenderForCompletion(conversation, AnalysisHistory.KeepAll)
            : Renderer.Render(conversation, AnalysisHistory.KeepAll);

        Assert.Empty(parsed.Warnings);
        Assert.Equal(text, Fixtures.Tokenizer.Decode(rendered));
    }

    [Fact]
    public void Simple_reasoning_response_parses_into_analysis_and_final()
    {
        var result = HarmonyStreamParser.Parse(Fixtures.Tokens("test_simple_reasoning_response"), Fixtures.Tokenizer);

        Assert.Collection(result.Messages,
            m => AssertMessage(m, Role.Assistant, "analysis", null, null, "User asks: \"What is 2 + 2?\" Simple arithmetic. Provide answer."),
            m => AssertMessage(m, Role.Assistant, "final", null, null, "2 + 2 = 4."));
        AssertRenderThenParseKeepsMessages(result.Messages);
    }

    [Fact]
    public void Simple_tool_call_parses_recipient_and_content_type()
    {
        var result = HarmonyStreamParser.Parse(Fixtures.Tokens("test_simple_tool_call"), Fixtures.Tokenizer);

        Assert.Collection(result.Messages,
            m => AssertMessage(m, Role.Assistant, "analysis", null, null,
                "User asks: \"What is the weather in Tokyo?\" We need to use lookup_weather tool."),
            m => AssertMessage(m, Role.Assistant, "analysis", "lookup_weather", "code", "{\"location\": \"Tokyo\"}"));
        AssertRenderThenParseKeepsMessages(result.Messages);
    }

    [Fact]
    public void Streamable_parser_fixture_fed_token_by_token_gives_three_messages()
    {
        var tokens = Fixtures.Tokenizer.EncodeWithSpecials(Fixtures.Text("test_streamable_parser"));
        var parser = new HarmonyStreamParser(Fixtures.Tokenizer, Role.Assistant);
        foreach (var token in tokens) parser.Feed(token);

        Assert.Collection(parser.Messages,
            m =>
            {
                Assert.Equal("analysis", m.Channel);
                Assert.StartsWith("User asks \"Who is the current US president?\"", m.Text);
                Assert.Contains("But w\ne need up to date info.", m.Text);
                Assert.EndsWith("Let's browse to confirm.", m.Text);
            },
            m => AssertMessage(m, Role.Assistant, "commentary", "browser.search", "code",
                "{\"query\": \"current US president July 2025\", \"topn\": 10, \"source\": \"news\"}"),
            m =>
            {
                AssertMessage(m, Role.Tool, "commentary", "assistant", null, "{\"result\": \"https://openai.com/\"}");
                Assert.Equal("browser.search", m.Author.Name);
            });
        Assert.Empty(parser.Warnings);
        AssertRenderThenParseKeepsMessages(parser.Messages);
    }

    [Fact]
    public void Tool_response_fixture_is_our_rendering_of_the_tool_message_without_its_end()
    {
        var toolMessage = HarmonyMessage.ToolResult("browser.search", "{\"result\": \"https://openai.com/\"}");
        var tokens = new List<int>();
        Renderer.RenderMessage(toolMessage, tokens);
        Assert.Equal(HarmonyTokens.End, tokens[^1]);
        tokens.RemoveAt(tokens.Count - 1);
        Assert.Equal(Fixtures.Text("test_tool_response_parsing"), Fixtures.Tokenizer.Decode(tokens));

        var fixtureTokens = Fixtures.Tokenizer.EncodeWithSpecials(Fixtures.Text("test_tool_response_parsing"));
        var parsed = HarmonyStreamParser.Parse(fixtureTokens, Fixtures.Tokenizer, presetRole: null);
        var message = Assert.Single(parsed.Messages);
        AssertMessage(message, Role.Tool, "commentary", "assistant", null, "{\"result\": \"https://openai.com/\"}");
        Assert.Equal("browser.search", message.Author.Name);
        AssertRenderThenParseKeepsMessages(parsed.Messages);
    }

    internal static void AssertMessage(HarmonyMessage m, Role role, string? channel, string? recipient, string? contentType, string text)
    {
        Assert.Equal(role, m.Role);
        Assert.Equal(channel, m.Channel);
        Assert.Equal(recipient, m.Recipient);
        Assert.Equal(contentType, m.ContentType);
        Assert.Equal(text, m.Text);
    }

    private static void AssertRenderThenParseKeepsMessages(IReadOnlyList<HarmonyMessage> messages)
    {
        var rendered = Renderer.Render(new Conversation(messages), AnalysisHistory.KeepAll);
        var again = HarmonyStreamParser.Parse(rendered, Fixtures.Tokenizer, presetRole: null, strict: true);
        Assert.Equal(HarmonyJson.WriteMessages(messages), HarmonyJson.WriteMessages(again.Messages));
    }

    private static List<int> Complete(params HarmonyMessage[] messages) => Renderer.RenderForCompletion(Conversation.Of(messages));

    private static HarmonyMessage System(SystemContent content) => HarmonyMessage.System(content with { ModelIdentity = Identity });

    private static HarmonyMessage Dev(string instructions) => HarmonyMessage.Developer(new DeveloperContent { Instructions = instructions });

    private static HarmonyMessage User(string text) => HarmonyMessage.User(text);

    private static JsonObject Schema(string json) => JsonNode.Parse(json)!.AsObject();

    private static Conversation TwoPlusTwo(string analysis) => Conversation.Of(
        User("What is 2 + 2?"),
        HarmonyMessage.Assistant(analysis, "analysis"),
        HarmonyMessage.Assistant("2 + 2 equals 4.", "final"),
        User("What about 9 / 2?"));

    internal static Conversation OngoingToolChain() => Conversation.Of(
        User("What is the weather in SF?"),
        HarmonyMessage.Assistant("User asks: “What is the weather in SF?” We need to use lookup_weather tool.", "analysis"),
        HarmonyMessage.ToolCall("functions.lookup_weather", "{\"location\": \"San Francisco\"}"),
        // The reference test's tool message has neither channel nor recipient.
        new HarmonyMessage(new Author(Role.Tool, "functions.lookup_weather"), [new TextContent("{\"temperature\": 20, \"description\": \"sunny\"}")]));

    internal static Conversation TwoFinals() => Conversation.Of(
        User("What is 2 + 2?"),
        HarmonyMessage.Assistant("thinking 2+2", "analysis"),
        HarmonyMessage.Assistant("4", "final"),
        User("What is 3 + 5?"),
        HarmonyMessage.Assistant("thinking 3+5", "analysis"),
        HarmonyMessage.Assistant("8", "final"));

    private static ToolDescription[] RiddleFunctions() =>
    [
        new("get_location", "Gets the location of the user."),
        new("get_current_weather", "Gets the current weather in the provided location.", Schema("""
            {"type": "object", "properties": {
              "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
              "format": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}},
             "required": ["location"]}
            """)),
        new("get_multiple_weathers", "Gets the current weather in the provided list of locations.", Schema("""
            {"type": "object", "properties": {
              "locations": {"type": "array", "items": {"type": "string"},
                            "description": "List of city and state, e.g. [\"San Francisco, CA\", \"New York, NY\"]"},
              "format": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}},
             "required": ["locations"]}
            """)),
        new("kitchensink", "A function with various complex schemas.", Schema("""
            {"description": "params object", "type": "object", "properties": {
              "string": {"type": "string", "title": "STRING", "description": "A string", "examples": ["hello", "world"]},
              "string_nullable": {"type": "string", "nullable": true, "description": "A nullable string", "default": "the default"},
              "string_enum": {"type": "string", "enum": ["a", "b", "c"]},
              "oneof_string_or_number": {"oneOf": [{"type": "string", "default": "default_string_in_oneof"},
                                                   {"type": "number", "description": "numbers can happen too"}],
                                         "description": "a oneof", "default": 20}}}
            """)),
    ];
}
