namespace GptOssWorkbench.Pipeline.Remote;

using System.Text.Json;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Sampling;

/// <summary>
/// Chat-completions mode: turns streamed deltas (reasoning, content, tool calls) back into the harmony tokens the
/// model produced, so the run's output goes through the same harmony parser as our engine's and is stored by channel:
/// reasoning becomes an analysis message, content a final one, each tool call a commentary message to functions.NAME.
/// The headers are the ones gpt-oss itself emits; text is tokenized with o200k, so counts match the server's closely
/// but not necessarily exactly (the server's own usage is what the run records when it reports one).
/// When the choice carries chat logprobs (<c>{content: [{token, logprob, top_logprobs}]}</c>), the text's tokens are
/// the server's own tokens with their logprobs, recorded like our engine's token probabilities.
/// </summary>
public sealed class ChatDeltaTranslator(RemoteEngineKind kind, HarmonyTokenizer tokenizer)
{
    private readonly string[] reasoningFields = kind.ReasoningFields();
    private readonly List<int> pending = [];
    private readonly List<(double Logprob, TokenLogprob[] Top)?> pendingLogprobs = [];
    private Part open = Part.None;
    private int openToolIndex = -1;
    private bool anyMessage;

    private enum Part { None, Analysis, Final, Tool }

    /// <summary>Token ids for one chunk's choice delta, with their logprobs when <paramref name="logprobs"/> (the choice's) has them.</summary>
    public (IReadOnlyList<int> Ids, IReadOnlyList<(double Logprob, TokenLogprob[] Top)?> Logprobs) Translate(JsonElement delta, JsonElement logprobs = default)
    {
        pending.Clear();
        pendingLogprobs.Clear();
        var entries = logprobs.ValueKind == JsonValueKind.Object && logprobs.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.Array
            ? c.EnumerateArray().ToList() : [];
        var cursor = 0;
        foreach (var field in reasoningFields)
        {
            if (delta.TryGetProperty(field, out var reasoning) && reasoning.ValueKind == JsonValueKind.String && reasoning.GetString() is { Length: > 0 } text)
            {
                Enter(Part.Analysis, Channels.Analysis, null);
                AddText(text, entries, ref cursor);
                break;
            }
        }
        if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } answer)
        {
            Enter(Part.Final, Channels.Final, null);
            AddText(answer, entries, ref cursor);
        }
        if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var index = call.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number ? i.GetInt32() : openToolIndex;
                call.TryGetProperty("function", out var function);
                var name = function.ValueKind == JsonValueKind.Object && function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                if (open != Part.Tool || index != openToolIndex)
                {
                    openToolIndex = index;
                    Enter(Part.Tool, Channels.Commentary, $"functions.{name ?? "unknown"}");
                }
                if (function.ValueKind == JsonValueKind.Object && function.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String
                    && a.GetString() is { Length: > 0 } arguments)
                    AddText(arguments, [], ref cursor);
            }
        }
        return (pending.ToArray(), pendingLogprobs.ToArray());
    }

    /// <summary>
    /// The text's tokens: the server's own (with logprobs) when the logprob entries from <paramref name="cursor"/> on
    /// spell exactly this text one known token each, else the text tokenized with o200k and no logprobs, since a
    /// probability attached to a different token would be a wrong record, not a missing one.
    /// </summary>
    private void AddText(string text, List<JsonElement> entries, ref int cursor)
    {
        var ids = new List<int>();
        var values = new List<(double, TokenLogprob[])?>();
        var spelled = new System.Text.StringBuilder();
        var at = cursor;
        while (at < entries.Count && spelled.Length < text.Length
            && entries[at].TryGetProperty("token", out var token) && token.ValueKind == JsonValueKind.String && TokenId(token.GetString()!) is { } id)
        {
            spelled.Append(tokenizer.Decode([id]));
            ids.Add(id);
            values.Add(entries[at].TryGetProperty("logprob", out var l) && l.ValueKind == JsonValueKind.Number ? (l.GetDouble(), Top(entries[at])) : null);
            at++;
        }
        if (ids.Count > 0 && spelled.ToString() == text)
        {
            cursor = at;
            pending.AddRange(ids);
            pendingLogprobs.AddRange(values);
            return;
        }
        var plain = tokenizer.EncodeOrdinary(text);
        pending.AddRange(plain);
        pendingLogprobs.AddRange(Enumerable.Repeat<(double, TokenLogprob[])?>(null, plain.Count));
    }

    private TokenLogprob[] Top(JsonElement entry) =>
        entry.TryGetProperty("top_logprobs", out var top) && top.ValueKind == JsonValueKind.Array
            ? top.EnumerateArray()
                .Where(t => t.TryGetProperty("token", out var s) && s.ValueKind == JsonValueKind.String && t.TryGetProperty("logprob", out var l) && l.ValueKind == JsonValueKind.Number)
                .Select(t => (Id: TokenId(t.GetProperty("token").GetString()!), Logprob: t.GetProperty("logprob").GetDouble()))
                .Where(t => t.Id is not null).Select(t => new TokenLogprob(t.Id!.Value, t.Logprob)).OrderByDescending(t => t.Logprob).ToArray()
            : [];

    /// <summary>vLLM's <c>--return-tokens-as-token-ids</c> sends "token_id:N"; otherwise the token's text, if it is one o200k token.</summary>
    private int? TokenId(string token)
    {
        if (token.StartsWith("token_id:", StringComparison.Ordinal) && int.TryParse(token.AsSpan(9), out var id)) return id;
        var ids = tokenizer.EncodeWithSpecials(token);
        return ids.Count == 1 ? ids[0] : null;
    }

    /// <summary>The terminator the model emitted when the server stopped normally: &lt;|call|&gt; after a tool call, else &lt;|return|&gt;.</summary>
    public IReadOnlyList<int> Finish(string? finishReason)
    {
        if (open == Part.None || finishReason is "length" or null) return [];
        var end = open == Part.Tool ? HarmonyTokens.Call : HarmonyTokens.Return;
        open = Part.None;
        return [end];
    }

    private void Enter(Part part, string channel, string? recipient)
    {
        if (open == part && part != Part.Tool) return;
        var header = new System.Text.StringBuilder();
        if (open != Part.None) header.Append("<|end|>");
        if (anyMessage) header.Append("<|start|>assistant");
        header.Append("<|channel|>").Append(channel);
        if (recipient is not null) header.Append(" to=").Append(recipient).Append(" <|constrain|>json");
        header.Append("<|message|>");
        var ids = tokenizer.EncodeWithSpecials(header.ToString());
        pending.AddRange(ids);
        pendingLogprobs.AddRange(Enumerable.Repeat<(double, TokenLogprob[])?>(null, ids.Count)); // headers we wrote, not the server's sampling
        open = part;
        anyMessage = true;
    }
}
