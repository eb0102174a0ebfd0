namespace GptOssWorkbench.Web.Tests.Remote;

using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// The streaming chunks each server sends for one gpt-oss answer (shared/docs/remote-engines.md, read from the
/// servers' code): reasoning "The user asks 2+2." then the answer "4.", usage 70 prompt / 21 completion tokens.
/// </summary>
public static class ServerShapes
{
    public static readonly string[] Reasoning = ["The user", " asks 2+2."];
    public static readonly string[] Answer = ["4", "."];
    public const string ReasoningText = "The user asks 2+2.";
    public const string AnswerText = "4.";
    public const int CompletionTokens = 21;

    private static object Usage => new { prompt_tokens = 70, completion_tokens = CompletionTokens, total_tokens = 70 + CompletionTokens };

    /// <summary>vLLM: first delta role + empty content; logprobs/finish_reason/stop_reason on every choice; "reasoning" (≤ 0.11: "reasoning_content").</summary>
    public static IEnumerable<object> Vllm(string model, string reasoningField = "reasoning")
    {
        object Chunk(object delta, string? finish = null) => new
        {
            id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model,
            choices = new[] { new { index = 0, delta, logprobs = (object?)null, finish_reason = finish, stop_reason = (object?)null } },
        };
        yield return Chunk(new { role = "assistant", content = "" });
        foreach (var r in Reasoning) yield return Chunk(new Dictionary<string, object?> { [reasoningField] = r });
        foreach (var a in Answer) yield return Chunk(new { content = a });
        yield return Chunk(new { }, "stop");
        yield return new { id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model, choices = Array.Empty<object>(), usage = Usage };
    }

    /// <summary>
    /// vLLM chat with logprobs=true, top_logprobs=2: each text delta's choice carries
    /// <c>logprobs: {content: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}</c>, one entry per
    /// sampled token, the chosen token first in top_logprobs with " maybe" as the runner-up. Returns the chunks and the
    /// (token id, logprob, runner-up id) each sampled token was sent with, reasoning then answer.
    /// </summary>
    public static (IEnumerable<object> Chunks, List<(int Id, double Logprob, int RunnerUp)> Sent) VllmWithLogprobs(string model)
    {
        var tokenizer = HarmonyTokenizer.Shared;
        var runnerUp = tokenizer.EncodeOrdinary(" maybe").Single();
        var sent = new List<(int, double, int)>();
        object Chunk(object delta, object? logprobs, string? finish = null) => new
        {
            id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model,
            choices = new[] { new { index = 0, delta, logprobs, finish_reason = finish, stop_reason = (object?)null } },
        };
        object Logprobs(string piece) => new
        {
            content = tokenizer.EncodeOrdinary(piece).Select(id =>
            {
                var logprob = -0.125 * (sent.Count + 1); // distinct per token, exact in float
                sent.Add((id, logprob, runnerUp));
                var token = tokenizer.Decode([id]);
                var bytes = System.Text.Encoding.UTF8.GetBytes(token);
                return new
                {
                    token, logprob, bytes,
                    top_logprobs = new object[] { new { token, logprob, bytes }, new { token = " maybe", logprob = logprob - 3, bytes = System.Text.Encoding.UTF8.GetBytes(" maybe") } },
                };
            }).ToArray(),
        };
        var chunks = new List<object> { Chunk(new { role = "assistant", content = "" }, null) };
        foreach (var r in Reasoning) chunks.Add(Chunk(new { reasoning = r }, Logprobs(r)));
        foreach (var a in Answer) chunks.Add(Chunk(new { content = a }, Logprobs(a)));
        chunks.Add(Chunk(new { }, null, "stop"));
        chunks.Add(new { id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1, model, choices = Array.Empty<object>(), usage = Usage });
        return (chunks, sent);
    }

    /// <summary>SGLang: every field serialised, nulls included; matched_stop; "usage": null on every chunk but the last.</summary>
    public static IEnumerable<object> Sglang(string model)
    {
        object Chunk(string? content, string? reasoning, string? finish = null, object? usage = null) => new
        {
            id = "b1", @object = "chat.completion.chunk", created = 1, model,
            choices = new[] { new { index = 0, delta = new { role = (string?)null, content, reasoning_content = reasoning, tool_calls = (object?)null },
                logprobs = (object?)null, finish_reason = finish, matched_stop = finish is null ? (int?)null : HarmonyTokens.Return } },
            usage,
        };
        yield return new { id = "b1", @object = "chat.completion.chunk", created = 1, model,
            choices = new[] { new { index = 0, delta = new { role = "assistant", content = "", reasoning_content = (string?)null, tool_calls = (object?)null }, logprobs = (object?)null, finish_reason = (string?)null, matched_stop = (int?)null } },
            usage = (object?)null };
        foreach (var r in Reasoning) yield return Chunk(null, r);
        foreach (var a in Answer) yield return Chunk(a, null);
        yield return Chunk("", null, "stop");
        yield return new { id = "b1", @object = "chat.completion.chunk", created = 1, model, choices = Array.Empty<object>(), usage = Usage };
    }

    /// <summary>Ollama: role only on the first chunk, "reasoning", a separate finish chunk with an empty delta, usage with no choices.</summary>
    public static IEnumerable<object> Ollama(string model)
    {
        object Chunk(object delta, string? finish = null) => new
        {
            id = "chatcmpl-7", @object = "chat.completion.chunk", created = 1, model, system_fingerprint = "fp_ollama",
            choices = new[] { new { index = 0, delta, finish_reason = finish } },
        };
        yield return Chunk(new { role = "assistant", content = "", reasoning = Reasoning[0] });
        yield return Chunk(new { content = "", reasoning = Reasoning[1] });
        foreach (var a in Answer) yield return Chunk(new { content = a });
        yield return Chunk(new { }, "stop");
        yield return new { id = "chatcmpl-7", @object = "chat.completion.chunk", created = 1, model, system_fingerprint = "fp_ollama", choices = Array.Empty<object>(), usage = Usage };
    }

    /// <summary>llama.cpp server: first delta content null, "reasoning_content", finish chunk with empty delta, usage chunk with timings.</summary>
    public static IEnumerable<object> LlamaCpp(string model)
    {
        object Chunk(object delta, string? finish = null) => new
        {
            id = "chatcmpl-x", @object = "chat.completion.chunk", created = 1, model, system_fingerprint = "b6000-abc",
            choices = new[] { new { index = 0, delta, finish_reason = finish } },
        };
        yield return Chunk(new { role = "assistant", content = (string?)null });
        foreach (var r in Reasoning) yield return Chunk(new { reasoning_content = r });
        foreach (var a in Answer) yield return Chunk(new { content = a });
        yield return Chunk(new { }, "stop");
        yield return new
        {
            id = "chatcmpl-x", @object = "chat.completion.chunk", created = 1, model, choices = Array.Empty<object>(), usage = Usage,
            timings = new { prompt_n = 70, prompt_ms = 12.5, predicted_n = CompletionTokens, predicted_ms = 80.1 },
        };
    }

    /// <summary>vLLM tool call: reasoning, then a tool_calls delta with id and name, the arguments in pieces, finish "tool_calls".</summary>
    public static IEnumerable<object> VllmToolCall(string model)
    {
        object Chunk(object delta, string? finish = null) => new
        {
            id = "chatcmpl-2", @object = "chat.completion.chunk", created = 1, model,
            choices = new[] { new { index = 0, delta, logprobs = (object?)null, finish_reason = finish, stop_reason = (object?)null } },
        };
        yield return Chunk(new { role = "assistant", content = "" });
        yield return Chunk(new { reasoning = "Need the weather." });
        yield return Chunk(new { tool_calls = new[] { new { id = "chatcmpl-tool-1", type = "function", index = 0, function = new { name = "get_weather", arguments = "" } } } });
        yield return Chunk(new { tool_calls = new[] { new { index = 0, function = new { arguments = "{\"city\": " } } } });
        yield return Chunk(new { tool_calls = new[] { new { index = 0, function = new { arguments = "\"Paris\"}" } } } });
        yield return Chunk(new { }, "tool_calls");
    }

    /// <summary>
    /// Raw completions: the harmony text with its special tokens (skip_special_tokens=false). vLLM also sends each
    /// piece's token ids (return_token_ids) and leaves the stop token out of the text (stop_reason names it);
    /// SGLang sends text only and says matched_stop; llama.cpp keeps &lt;|return|&gt; in the text.
    /// </summary>
    public static IEnumerable<object> RawCompletion(string model, string kind)
    {
        var tokenizer = HarmonyTokenizer.Shared;
        string[] pieces = ["<|channel|>analysis<|message|>", .. Reasoning, "<|end|><|start|>assistant<|channel|>final<|message|>", .. Answer];
        if (kind == "llama.cpp") pieces = [.. pieces, "<|return|>"];
        foreach (var piece in pieces)
        {
            yield return kind switch
            {
                "vllm" => new { id = "cmpl-1", @object = "text_completion", created = 1, model,
                    choices = new[] { new { index = 0, text = piece, token_ids = tokenizer.EncodeWithSpecials(piece), logprobs = (object?)null, finish_reason = (string?)null, stop_reason = (object?)null } }, usage = (object?)null },
                "sglang" => new { id = "c1", @object = "text_completion", created = 1, model,
                    choices = new[] { new { index = 0, text = piece, logprobs = (object?)null, finish_reason = (string?)null, matched_stop = (object?)null } }, usage = (object?)null },
                _ => (object)new { id = "c2", @object = "text_completion", created = 1, model, choices = new[] { new { index = 0, text = piece, finish_reason = (string?)null } } },
            };
        }
        yield return kind switch
        {
            "vllm" => new { id = "cmpl-1", @object = "text_completion", created = 1, model,
                choices = new[] { new { index = 0, text = "", token_ids = Array.Empty<int>(), logprobs = (object?)null, finish_reason = "stop", stop_reason = (object?)HarmonyTokens.Return } }, usage = (object?)null },
            "sglang" => new { id = "c1", @object = "text_completion", created = 1, model,
                choices = new[] { new { index = 0, text = "", logprobs = (object?)null, finish_reason = "stop", matched_stop = (object?)HarmonyTokens.Return } }, usage = (object?)null },
            _ => (object)new { id = "c2", @object = "text_completion", created = 1, model, choices = new[] { new { index = 0, text = "", finish_reason = "stop" } } },
        };
        yield return new { id = "c", @object = "text_completion", created = 1, model, choices = Array.Empty<object>(), usage = Usage };
    }
}
