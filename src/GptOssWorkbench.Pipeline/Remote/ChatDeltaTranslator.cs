namespace GptOssWorkbench.Pipeline.Remote;

using System.Text.Json;
using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Chat-completions mode: turns streamed deltas (reasoning, content, tool calls) back into the harmony tokens the
/// model produced, so the run's output goes through the same harmony parser as our engine's and is stored by channel:
/// reasoning becomes an analysis message, content a final one, each tool call a commentary message to functions.NAME.
/// The headers are the ones gpt-oss itself emits; text is tokenized with o200k, so counts match the server's closely
/// but not necessarily exactly (the server's own usage is what the run records when it reports one).
/// </summary>
public sealed class ChatDeltaTranslator(RemoteEngineKind kind, HarmonyTokenizer tokenizer)
{
    private readonly string[] reasoningFields = kind.ReasoningFields();
    private readonly List<int> pending = [];
    private Part open = Part.None;
    private int openToolIndex = -1;
    private bool anyMessage;

    private enum Part { None, Analysis, Final, Tool }

    /// <summary>Token ids for one chunk's choice delta.</summary>
    public IReadOnlyList<int> Translate(JsonElement delta)
    {
        pending.Clear();
        foreach (var field in reasoningFields)
        {
            if (delta.TryGetProperty(field, out var reasoning) && reasoning.ValueKind == JsonValueKind.String && reasoning.GetString() is { Length: > 0 } text)
            {
                Enter(Part.Analysis, Channels.Analysis, null);
                pending.AddRange(tokenizer.EncodeOrdinary(text));
                break;
            }
        }
        if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } answer)
        {
            Enter(Part.Final, Channels.Final, null);
            pending.AddRange(tokenizer.EncodeOrdinary(answer));
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
                    pending.AddRange(tokenizer.EncodeOrdinary(arguments));
            }
        }
        return pending.ToArray();
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
        pending.AddRange(tokenizer.EncodeWithSpecials(header.ToString()));
        open = part;
        anyMessage = true;
    }
}
