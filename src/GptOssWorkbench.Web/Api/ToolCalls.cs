namespace GptOssWorkbench.Web.Api;

using GptOssWorkbench.Data.Conversations;

/// <summary>One function call in OpenAI's shape.</summary>
public sealed record ToolCall(string Id, string Name, string Arguments)
{
    public object ToJson() => new { id = Id, type = "function", function = new { name = Name, arguments = Arguments } };
}

/// <summary>
/// Harmony → OpenAI tool calls: an assistant message addressed to "functions.NAME" (ended by &lt;|call|&gt;) is a
/// call of NAME with the message text as its JSON arguments. Harmony has no call ids, so the id is made from the
/// run and the message's position ("call_{run}_{index}"); a client sends it back with the tool's result.
/// </summary>
public static class ToolCalls
{
    public const string Namespace = "functions.";

    public static bool IsCall(string? recipient) => recipient is not null && recipient.StartsWith(Namespace, StringComparison.Ordinal);

    public static string Id(long runId, int messageIndex) => $"call_{runId}_{messageIndex}";

    /// <summary>The calls among a run's output messages (in order, as stored).</summary>
    public static IReadOnlyList<ToolCall> FromMessages(long runId, IReadOnlyList<Message> messages) =>
        messages.Select((m, i) => (m, i))
            .Where(x => x.m.Role == MessageRole.Assistant && IsCall(x.m.Recipient))
            .Select(x => new ToolCall(Id(runId, x.i), x.m.Recipient![Namespace.Length..], x.m.Content))
            .ToList();
}
