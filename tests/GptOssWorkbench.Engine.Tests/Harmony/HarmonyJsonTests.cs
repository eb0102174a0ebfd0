namespace GptOssWorkbench.Engine.Tests.Harmony;

using System.Text.Json.Nodes;
using GptOssWorkbench.Engine.Harmony;

public class HarmonyJsonTests
{
    // What openai_harmony's Python Conversation.to_json() writes for
    // [Message.from_role_and_content(SYSTEM, SystemContent.new().with_conversation_start_date("2025-06-28")),
    //  Message.from_role_and_content(USER, "Grüße")] (derived from its to_dict code: author dump with "name": null,
    // content objects with "type" last for system content, json.dumps defaults).
    private const string PythonSystemAndUser =
        "{\"messages\": [{\"role\": \"system\", \"name\": null, \"content\": [{\"model_identity\": \"You are ChatGPT, a large language model trained by OpenAI.\", " +
        "\"reasoning_effort\": \"Medium\", \"conversation_start_date\": \"2025-06-28\", \"knowledge_cutoff\": \"2024-06\", " +
        "\"channel_config\": {\"valid_channels\": [\"analysis\", \"commentary\", \"final\"], \"channel_required\": true}, \"type\": \"system_content\"}]}, " +
        "{\"role\": \"user\", \"name\": null, \"content\": [{\"type\": \"text\", \"text\": \"Gr\\u00fc\\u00dfe\"}]}]}";

    [Fact]
    public void Writes_the_reference_python_serialization_byte_for_byte()
    {
        var conversation = Conversation.Of(
            HarmonyMessage.System(new SystemContent { ConversationStartDate = "2025-06-28" }),
            HarmonyMessage.User("Grüße"));
        Assert.Equal(PythonSystemAndUser, HarmonyJson.Write(conversation));
    }

    [Fact]
    public void Reads_the_reference_serialization_back_to_the_same_conversation()
    {
        var conversation = HarmonyJson.Read(PythonSystemAndUser);
        var system = Assert.IsType<SystemContent>(Assert.Single(conversation.Messages[0].Content));
        Assert.Equal("2025-06-28", system.ConversationStartDate);
        Assert.Equal(ReasoningEffort.Medium, system.ReasoningEffort);
        Assert.Equal(["analysis", "commentary", "final"], system.ChannelConfig!.ValidChannels);
        Assert.Equal("Grüße", conversation.Messages[1].Text);
        Assert.Equal(PythonSystemAndUser, HarmonyJson.Write(conversation));
    }

    [Fact]
    public void Tool_calls_results_and_developer_tools_round_trip_field_for_field()
    {
        var json = """
            {"messages": [
              {"role": "developer", "name": null, "content": [{"instructions": "Be brief.", "tools": {"functions": {"name": "functions", "tools": [
                 {"name": "get_weather", "description": "Weather.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
                 {"name": "now", "description": "Time."}]}}, "type": "developer_content"}]},
              {"role": "assistant", "name": null, "content": [{"type": "text", "text": "{\"city\": \"Oslo\"}"}], "channel": "commentary", "recipient": "functions.get_weather", "content_type": "<|constrain|>json"},
              {"role": "tool", "name": "functions.get_weather", "content": [{"type": "text", "text": "rain"}], "channel": "commentary", "recipient": "assistant"}
            ]}
            """;
        var conversation = HarmonyJson.Read(json);

        var developer = Assert.IsType<DeveloperContent>(conversation.Messages[0].Content[0]);
        var functions = Assert.Single(developer.Tools!);
        Assert.Equal(["get_weather", "now"], functions.Tools.Select(t => t.Name));
        Assert.Null(functions.Tools[1].Parameters);
        Assert.Equal("functions.get_weather", conversation.Messages[1].Recipient);
        Assert.Equal("<|constrain|>json", conversation.Messages[1].ContentType);
        Assert.Equal(new Author(Role.Tool, "functions.get_weather"), conversation.Messages[2].Author);
        // Same structure and field order as the input.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(HarmonyJson.Write(conversation))));
    }

    [Fact]
    public void Rust_style_content_string_and_missing_name_are_accepted()
    {
        var conversation = HarmonyJson.Read("""{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo", "channel": "final"}]}""");
        Assert.Equal("hi", conversation.Messages[0].Text);
        Assert.Equal("final", conversation.Messages[1].Channel);
    }

    [Fact]
    public void Missing_system_fields_take_the_library_defaults_and_explicit_nulls_stay_unset()
    {
        var conversation = HarmonyJson.Read("""
            {"messages": [{"role": "system", "content": [{"type": "system_content", "reasoning_effort": "low", "knowledge_cutoff": null}]}]}
            """);
        var system = Assert.IsType<SystemContent>(conversation.Messages[0].Content[0]);
        Assert.Equal(SystemContent.DefaultIdentity, system.ModelIdentity);
        Assert.Equal(ReasoningEffort.Low, system.ReasoningEffort);
        Assert.Null(system.KnowledgeCutoff);
        Assert.NotNull(system.ChannelConfig);
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "robot", "content": "x"}]}""", "$.messages[0].role", "robot")]
    [InlineData("""{"messages": [{"role": "user"}]}""", "$.messages[0].content", "missing")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "image"}]}]}""", "$.messages[0].content[0].type", "image")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": [{"type": "text"}]}]}""", "$.messages[1].content[0].text", "missing")]
    [InlineData("""{"messages": [{"role": "tool", "content": "x"}]}""", "$.messages[0].name", "tool's name")]
    [InlineData("""{"messages": [{"role": "system", "content": [{"type": "system_content", "reasoning_effort": "extreme"}]}]}""", "$.messages[0].content[0].reasoning_effort", "extreme")]
    [InlineData("""{"messages": [{"role": "user", "content": "x", "channel": 5}]}""", "$.messages[0].channel", "string")]
    [InlineData("""{"msgs": []}""", "$.messages", "missing")]
    [InlineData("""{"messages": [""", "line 1", "invalid JSON")]
    public void Bad_json_names_the_path_of_the_bad_field(string json, string path, string detail)
    {
        var e = Assert.Throws<HarmonyJsonException>(() => HarmonyJson.Read(json));
        Assert.Contains(path, e.Message);
        Assert.Contains(detail, e.Message);
    }
}
