namespace GptOssWorkbench.Pipeline.Tests.Remote;

using System.Text.Json;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Remote;

/// <summary>
/// Chat-mode streams become harmony tokens again; parsing them with our own parser must give back the reasoning as an
/// analysis message, the answer as a final one and tool calls as commentary to functions.NAME.
/// </summary>
public sealed class ChatDeltaTranslatorTests
{
    private static readonly HarmonyTokenizer Tokenizer = HarmonyTokenizer.Shared;

    private static (List<int> Ids, List<(double Logprob, Engine.Sampling.TokenLogprob[] Top)?> Logprobs) Stream(
        RemoteEngineKind kind, string finishReason, params string[] chunks)
    {
        var translator = new ChatDeltaTranslator(kind, Tokenizer);
        var ids = new List<int>();
        var logprobs = new List<(double, Engine.Sampling.TokenLogprob[])?>();
        foreach (var chunk in chunks)
        {
            using var doc = JsonDocument.Parse(chunk);
            var choice = doc.RootElement;
            var (chunkIds, chunkLogprobs) = translator.Translate(choice.GetProperty("delta"),
                choice.TryGetProperty("logprobs", out var l) ? l : default);
            Assert.Equal(chunkIds.Count, chunkLogprobs.Count);
            ids.AddRange(chunkIds);
            logprobs.AddRange(chunkLogprobs);
        }
        ids.AddRange(translator.Finish(finishReason));
        return (ids, logprobs);
    }

    private static IReadOnlyList<HarmonyMessage> Parse(IEnumerable<int> ids)
    {
        var result = HarmonyStreamParser.Parse(ids, Tokenizer);
        Assert.Empty(result.Warnings);
        return result.Messages;
    }

    [Theory]
    [InlineData(RemoteEngineKind.Vllm, "reasoning")]
    [InlineData(RemoteEngineKind.Vllm, "reasoning_content")]
    [InlineData(RemoteEngineKind.Sglang, "reasoning_content")]
    [InlineData(RemoteEngineKind.Ollama, "reasoning")]
    public void Each_kinds_reasoning_field_becomes_the_analysis_channel_and_content_the_final(RemoteEngineKind kind, string field)
    {
        var (ids, _) = Stream(kind, "stop",
            $$$"""{"delta": {"role": "assistant", "{{{field}}}": "The user asks 2+2. "}}""",
            $$$"""{"delta": {"{{{field}}}": "That is 4."}}""",
            """{"delta": {"content": "2 + 2 = "}}""",
            """{"delta": {"content": "4"}}""");

        var messages = Parse(ids);
        Assert.Equal(2, messages.Count);
        Assert.Equal((Channels.Analysis, "The user asks 2+2. That is 4."), (messages[0].Channel, messages[0].Text));
        Assert.Equal((Channels.Final, "2 + 2 = 4"), (messages[1].Channel, messages[1].Text));
        Assert.All(messages, m => Assert.Equal(Role.Assistant, m.Role));
        Assert.Equal(HarmonyTokens.Return, ids[^1]);
    }

    [Fact]
    public void A_field_another_kind_uses_for_reasoning_is_not_read_as_reasoning()
    {
        // SGLang names it reasoning_content only; a "reasoning" field there is not the model's analysis.
        var (ids, _) = Stream(RemoteEngineKind.Sglang, "stop",
            """{"delta": {"reasoning": "not this"}}""",
            """{"delta": {"content": "Answer"}}""");
        var message = Assert.Single(Parse(ids));
        Assert.Equal((Channels.Final, "Answer"), (message.Channel, message.Text));
    }

    [Fact]
    public void A_streamed_tool_call_becomes_a_commentary_message_to_the_function_ending_in_call()
    {
        var (ids, _) = Stream(RemoteEngineKind.Vllm, "tool_calls",
            """{"delta": {"reasoning": "Need the weather."}}""",
            """{"delta": {"tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}}""",
            """{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}}""",
            """{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}}""");

        var messages = Parse(ids);
        Assert.Equal(2, messages.Count);
        Assert.Equal(Channels.Analysis, messages[0].Channel);
        Assert.Equal(Channels.Commentary, messages[1].Channel);
        Assert.Equal("functions.get_weather", messages[1].Recipient);
        Assert.Equal("{\"city\":\"Paris\"}", messages[1].Text);
        Assert.Equal(HarmonyTokens.Call, ids[^1]);
    }

    [Fact]
    public void A_length_finish_leaves_the_message_open_as_the_model_left_it()
    {
        var (ids, _) = Stream(RemoteEngineKind.Vllm, "length", """{"delta": {"content": "cut off"}}""");
        Assert.NotEqual(HarmonyTokens.Return, ids[^1]);
        Assert.Equal("cut off", Tokenizer.Decode(ids.SkipWhile(id => id != HarmonyTokens.Message).Skip(1)));
    }

    [Fact]
    public void Logprobs_that_spell_the_text_keep_the_servers_tokens_and_ones_that_do_not_are_dropped()
    {
        var hello = Tokenizer.EncodeOrdinary("Hello");
        var world = Tokenizer.EncodeOrdinary(" world");
        Assert.Single(hello);
        Assert.Single(world);
        var (ids, logprobs) = Stream(RemoteEngineKind.Vllm, "stop",
            """{"delta": {"content": "Hello world"}, "logprobs": {"content": [{"token": "Hello", "logprob": -0.5, "top_logprobs": [{"token": "Hi", "logprob": -1.5}, {"token": "Hello", "logprob": -0.5}]}, {"token": " world", "logprob": -0.25, "top_logprobs": []}]}}""",
            """{"delta": {"content": "!"}, "logprobs": {"content": [{"token": "?", "logprob": -3.0, "top_logprobs": []}]}}""");

        var helloAt = ids.IndexOf(hello[0]);
        Assert.Equal(world[0], ids[helloAt + 1]);
        Assert.Equal(-0.5, logprobs[helloAt]!.Value.Logprob);
        // Alternatives come sorted most likely first.
        Assert.Equal(Tokenizer.EncodeOrdinary("Hello")[0], logprobs[helloAt]!.Value.Top[0].Id);
        Assert.Equal(-0.25, logprobs[helloAt + 1]!.Value.Logprob);
        // "?" is not the streamed "!": the text is kept, its probability is not attached to the wrong token.
        var bang = ids.IndexOf(Tokenizer.EncodeOrdinary("!")[0]);
        Assert.True(bang > helloAt);
        Assert.Null(logprobs[bang]);
        // The header tokens we wrote carry no probabilities.
        Assert.All(logprobs.Take(helloAt), Assert.Null);
        Assert.Equal("Hello world!", Assert.Single(Parse(ids)).Text);
    }
}
