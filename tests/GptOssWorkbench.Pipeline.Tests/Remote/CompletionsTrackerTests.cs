namespace GptOssWorkbench.Pipeline.Tests.Remote;

using System.Text.Json;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Remote;

/// <summary>Raw completions streams: exact ids where the server says them, and the stop token the server left out put back.</summary>
public sealed class CompletionsTrackerTests
{
    private static readonly HarmonyTokenizer Tokenizer = HarmonyTokenizer.Shared;

    private static List<int> Read(CompletionsTracker tracker, string choiceJson, out IReadOnlyList<(double Logprob, Engine.Sampling.TokenLogprob[] Top)?>? logprobs)
    {
        using var doc = JsonDocument.Parse(choiceJson);
        var (ids, lp) = tracker.Read(doc.RootElement, Tokenizer);
        logprobs = lp;
        return [.. ids];
    }

    private static IReadOnlyList<int> Finish(CompletionsTracker tracker, string reason, string choiceJson = "{}")
    {
        using var doc = JsonDocument.Parse(choiceJson);
        return tracker.Finish(reason, doc.RootElement);
    }

    [Fact]
    public void Text_without_ids_is_tokenized_with_its_special_tokens_and_a_missing_return_is_put_back()
    {
        var tracker = new CompletionsTracker();
        var ids = Read(tracker, """{"text": "<|channel|>analysis<|message|>Think.<|end|><|start|>assistant<|channel|>final<|message|>4"}""", out var logprobs);
        Assert.Null(logprobs);
        Assert.Equal(Tokenizer.EncodeWithSpecials("<|channel|>analysis<|message|>Think.<|end|><|start|>assistant<|channel|>final<|message|>4"), ids);

        var end = Finish(tracker, "stop");
        Assert.Equal([HarmonyTokens.Return], end);
        var messages = HarmonyStreamParser.Parse(ids.Concat(end), Tokenizer).Messages;
        Assert.Equal([(Channels.Analysis, "Think."), (Channels.Final, "4")], messages.Select(m => (m.Channel, m.Text)));
    }

    [Fact]
    public void A_message_to_a_recipient_that_stopped_ends_with_call_and_a_stop_string_adds_nothing()
    {
        var tracker = new CompletionsTracker();
        Read(tracker, """{"text": "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\":\"Paris\"}"}""", out _);
        Assert.Equal([HarmonyTokens.Call], Finish(tracker, "stop"));

        var stopString = new CompletionsTracker();
        Read(stopString, """{"text": "<|channel|>final<|message|>Answer: 4"}""", out _);
        Assert.Empty(Finish(stopString, "stop", """{"stop_reason": "Answer"}"""));
        Assert.Empty(Finish(stopString, "length"));
    }

    [Fact]
    public void Vllm_token_ids_and_their_logprobs_are_taken_as_sent_and_its_stop_reason_names_the_stop_token()
    {
        var final = Tokenizer.EncodeWithSpecials("<|channel|>final<|message|>4");
        var tracker = new CompletionsTracker();
        var logprobJson = string.Join(",", final.Select((_, i) => i == final.Count - 1 ? "-0.125" : "-0.5"));
        var ids = Read(tracker, $$$"""{"text": "ignored", "token_ids": [{{{string.Join(",", final)}}}], "logprobs": {"token_logprobs": [{{{logprobJson}}}], "top_logprobs": []}}""", out var logprobs);

        Assert.Equal(final, ids);
        Assert.NotNull(logprobs);
        Assert.Equal(-0.125, logprobs![^1]!.Value.Logprob);
        Assert.Equal([HarmonyTokens.Call], Finish(tracker, "stop", $$$"""{"stop_reason": {{{HarmonyTokens.Call}}}}"""));
    }

    [Fact]
    public void Llama_cpp_logprob_ids_are_the_tokens_with_their_alternatives()
    {
        var four = Tokenizer.EncodeOrdinary("4")[0];
        var five = Tokenizer.EncodeOrdinary("5")[0];
        var tracker = new CompletionsTracker();
        Read(tracker, """{"text": "<|channel|>final<|message|>"}""", out _);
        var ids = Read(tracker, $$$"""{"text": "4", "logprobs": {"content": [{"id": {{{four}}}, "token": "4", "logprob": -0.1, "top_logprobs": [{"id": {{{five}}}, "token": "5", "logprob": -2.5}]}]}}""", out var logprobs);

        Assert.Equal([four], ids);
        Assert.Equal(-0.1, logprobs![0]!.Value.Logprob);
        Assert.Equal(five, logprobs[0]!.Value.Top.Single().Id);
        // A stop after the answer's last token: the server left out <|return|>.
        Assert.Equal([HarmonyTokens.Return], Finish(tracker, "stop"));
    }
}
