namespace GptOssWorkbench.Pipeline.Remote;

using System.Text.Json;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Sampling;

/// <summary>
/// Raw completions mode: the token ids of each streamed choice, exact where the server says them (vLLM's
/// <c>token_ids</c> with return_token_ids, llama.cpp's logprobs <c>content[].id</c>), else the text (special tokens
/// kept) tokenized with o200k; plus their logprobs where returned. Servers stop on &lt;|return|&gt;/&lt;|call|&gt;
/// but may leave that stop token out of the text: <see cref="Finish"/> puts it back, so the parser sees the
/// message end as the model ended it.
/// </summary>
public sealed class CompletionsTracker
{
    private bool inHeader = true; // the prompt ends with <|start|>assistant: the output begins in a header
    private readonly List<int> header = [];
    private bool headerHasRecipient;
    private int lastId = -1;

    public (IReadOnlyList<int> Ids, IReadOnlyList<(double Logprob, TokenLogprob[] Top)?>? Logprobs) Read(JsonElement choice, HarmonyTokenizer tokenizer)
    {
        IReadOnlyList<int> ids;
        List<(double, TokenLogprob[])?>? logprobs = null;
        choice.TryGetProperty("logprobs", out var lp);
        if (choice.TryGetProperty("token_ids", out var tokenIds) && tokenIds.ValueKind == JsonValueKind.Array)
        {
            ids = tokenIds.EnumerateArray().Select(t => t.GetInt32()).ToList();
            if (lp.ValueKind == JsonValueKind.Object && lp.TryGetProperty("token_logprobs", out var values) && values.ValueKind == JsonValueKind.Array
                && values.GetArrayLength() == ids.Count)
            {
                // vLLM completions shape: {tokens, token_logprobs, top_logprobs: [{"text": logprob}], text_offset}.
                lp.TryGetProperty("top_logprobs", out var tops);
                logprobs = [];
                var i = 0;
                foreach (var value in values.EnumerateArray())
                {
                    var top = tops.ValueKind == JsonValueKind.Array && i < tops.GetArrayLength() && tops[i].ValueKind == JsonValueKind.Object
                        ? tops[i].EnumerateObject().Select(p => (Ids: tokenizer.EncodeWithSpecials(p.Name), p.Value))
                            .Where(p => p.Ids.Count == 1 && p.Value.ValueKind == JsonValueKind.Number)
                            .Select(p => new TokenLogprob(p.Ids[0], p.Value.GetDouble())).OrderByDescending(t => t.Logprob).ToArray()
                        : [];
                    logprobs.Add(value.ValueKind == JsonValueKind.Number ? (value.GetDouble(), top) : null);
                    i++;
                }
            }
        }
        else if (lp.ValueKind == JsonValueKind.Object && lp.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array
            && content.EnumerateArray().All(c => c.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number))
        {
            // llama.cpp's shape: {content: [{id, token, bytes, logprob, top_logprobs: [{id, token, logprob}]}]}.
            ids = content.EnumerateArray().Select(c => c.GetProperty("id").GetInt32()).ToList();
            logprobs = content.EnumerateArray().Select(c => c.TryGetProperty("logprob", out var l) && l.ValueKind == JsonValueKind.Number
                ? ((double, TokenLogprob[])?)(l.GetDouble(), c.TryGetProperty("top_logprobs", out var t) && t.ValueKind == JsonValueKind.Array
                    ? t.EnumerateArray().Where(x => x.TryGetProperty("id", out _)).Select(x => new TokenLogprob(x.GetProperty("id").GetInt32(), x.GetProperty("logprob").GetDouble())).ToArray()
                    : [])
                : null).ToList();
        }
        else
        {
            var text = choice.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() ?? "" : "";
            ids = tokenizer.EncodeWithSpecials(text);
        }
        foreach (var id in ids) Track(id, tokenizer);
        return (ids, logprobs);
    }

    /// <summary>The stop token to append when the server stopped on one but left it out of the text.</summary>
    public IReadOnlyList<int> Finish(string reason, JsonElement choice)
    {
        if (reason != "stop" || HarmonyTokens.IsStop(lastId) || inHeader) return [];
        // vLLM names the stop token id in stop_reason; otherwise a message to a recipient ends with <|call|>.
        if (choice.TryGetProperty("stop_reason", out var stop) && stop.ValueKind == JsonValueKind.Number && HarmonyTokens.IsStop(stop.GetInt32()))
            return [stop.GetInt32()];
        if (choice.TryGetProperty("stop_reason", out var text) && text.ValueKind == JsonValueKind.String) return []; // a stop string ended it
        return [headerHasRecipient ? HarmonyTokens.Call : HarmonyTokens.Return];
    }

    private void Track(int id, HarmonyTokenizer tokenizer)
    {
        lastId = id;
        if (id == HarmonyTokens.Start)
        {
            inHeader = true;
            header.Clear();
        }
        else if (id == HarmonyTokens.Message && inHeader)
        {
            inHeader = false;
            headerHasRecipient = tokenizer.Decode(header).Contains(" to=", StringComparison.Ordinal);
        }
        else if (inHeader)
        {
            header.Add(id);
        }
    }
}
