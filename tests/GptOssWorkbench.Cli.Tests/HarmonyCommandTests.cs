namespace GptOssWorkbench.Cli.Tests;

using System.Text.Json;

/// <summary>`gptoss render` and `gptoss parse` through the real executable.</summary>
public sealed class HarmonyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gptoss-harmony-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Render_prints_the_completion_prompt_text_and_token_ids_as_the_last_line()
    {
        // Spec 7.7, in openai_harmony's to_json() form.
        var input = WriteFile("chat.json", """
            {"messages": [{"role": "system", "name": null, "content": [{"model_identity": "You are ChatGPT, a large language model trained by OpenAI.", "reasoning_effort": "Low", "conversation_start_date": "2025-06-28", "knowledge_cutoff": "2024-06", "channel_config": {"valid_channels": ["analysis", "commentary", "final"], "channel_required": true}, "type": "system_content"}]},
                          {"role": "user", "name": null, "content": [{"type": "text", "text": "What is 2 + 2?"}]}]}
            """);

        var result = GptOss.Run("render", "--input", input);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.LastLine);
        Assert.Equal(
            "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: 2024-06\n" +
            "Current date: 2025-06-28\n\nReasoning: low\n\n# Valid channels: analysis, commentary, final. Channel must be included for every message." +
            "<|end|><|start|>user<|message|>What is 2 + 2?<|end|><|start|>assistant",
            json.RootElement.GetProperty("text").GetString());
        var tokens = json.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        Assert.Equal(200006, tokens[0]);
        Assert.Equal([200006, 1428, 200008, 4827, 382, 220, 17, 659, 220, 17, 30, 200007, 200006, 173781], tokens[^14..]);
    }

    [Fact]
    public void Render_writes_a_tool_call_with_constrain_token_and_drops_finished_analysis()
    {
        var input = WriteFile("tools.json", """
            {"messages": [
              {"role": "user", "content": "Hi"},
              {"role": "assistant", "content": "old thoughts", "channel": "analysis"},
              {"role": "assistant", "content": "Hello!", "channel": "final"},
              {"role": "user", "content": "Weather?"},
              {"role": "assistant", "content": "{}", "channel": "commentary", "recipient": "functions.w", "content_type": "<|constrain|>json"}
            ]}
            """);

        var result = GptOss.Run("render", "--input", input);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.LastLine);
        var text = json.RootElement.GetProperty("text").GetString()!;
        Assert.DoesNotContain("old thoughts", text);
        Assert.Contains("<|start|>assistant to=functions.w<|channel|>commentary <|constrain|>json<|message|>{}<|call|>", text);
        Assert.Contains(200003, json.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
    }

    [Fact]
    public void Render_of_bad_json_names_the_file_and_field_and_fails()
    {
        var input = WriteFile("bad.json", """{"messages": [{"role": "user", "content": "ok"}, {"role": "robot", "content": "x"}]}""");

        var result = GptOss.Run("render", "--input", input);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("bad.json", result.StdErr);
        Assert.Contains("$.messages[1].role", result.StdErr);
        Assert.Equal("", result.StdOut.Trim());
    }

    [Fact]
    public void Render_of_a_missing_file_fails_with_its_name()
    {
        var result = GptOss.Run("render", "--input", Path.Combine(_dir, "absent.json"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("absent.json", result.StdErr);
    }

    [Fact]
    public void Parse_tokens_of_a_completion_prints_the_messages_in_harmony_json()
    {
        // "<|channel|>analysis<|message|>Hi<|end|><|start|>assistant<|channel|>final<|message|>Hello<|return|>"
        var result = GptOss.Run("parse", "--tokens", "200005,35644,200008,12194,200007,200006,173781,200005,17196,200008,13225,200002");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "{\"messages\": [{\"role\": \"assistant\", \"name\": null, \"content\": [{\"type\": \"text\", \"text\": \"Hi\"}], \"channel\": \"analysis\"}, " +
            "{\"role\": \"assistant\", \"name\": null, \"content\": [{\"type\": \"text\", \"text\": \"Hello\"}], \"channel\": \"final\"}]}",
            result.LastLine);
    }

    [Fact]
    public void Parse_text_with_a_tool_call_and_malformed_tail_warns_on_stderr_but_keeps_the_text()
    {
        var result = GptOss.Run("parse", "--text",
            "<|start|>assistant<|channel|>commentary to=functions.f <|constrain|>json<|message|>{\"a\":1}<|call|>stray");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.LastLine);
        var messages = json.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal("functions.f", messages[0].GetProperty("recipient").GetString());
        Assert.Equal("<|constrain|>json", messages[0].GetProperty("content_type").GetString());
        Assert.Equal("stray", messages[1].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Contains("warning:", result.StdErr);
    }

    [Theory]
    [InlineData("--tokens", "1,2,abc", "item 3 \"abc\"")]
    [InlineData("--tokens", "1,999999", "item 2 \"999999\"")]
    public void Parse_rejects_bad_token_ids_naming_the_item(string option, string value, string expected)
    {
        var result = GptOss.Run("parse", option, value);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.StdErr);
    }

    [Fact]
    public void Parse_needs_exactly_one_input_and_strict_mode_fails_on_malformed_output()
    {
        var none = GptOss.Run("parse");
        Assert.NotEqual(0, none.ExitCode);
        Assert.Contains("exactly one of --tokens or --text", none.StdErr);

        var strict = GptOss.Run("parse", "--strict", "--text", "no header here<|end|>");
        Assert.NotEqual(0, strict.ExitCode);
        Assert.Contains("malformed harmony output", strict.StdErr);
    }
}
