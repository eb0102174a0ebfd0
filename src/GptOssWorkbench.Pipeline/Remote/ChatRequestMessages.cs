namespace GptOssWorkbench.Pipeline.Remote;

using System.Text.Json.Nodes;
using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Chat-completions mode: the run's harmony conversation as OpenAI chat messages. The server renders harmony itself
/// from these, so what it cannot express is lost: a custom model identity (the system message of harmony; the
/// server writes its own) and earlier turns' reasoning (servers drop it anyway, as our renderer does once a turn
/// has a final answer). Developer instructions travel as the "system" message, which servers for gpt-oss turn into
/// the harmony developer message; function tools go in "tools". Raw completions mode keeps all of it exact.
/// </summary>
public static class ChatRequestMessages
{
    public static JsonArray From(Conversation conversation)
    {
        var messages = new JsonArray();
        var callIds = new Queue<string>();
        var callNumber = 0;
        foreach (var message in conversation.Messages)
        {
            switch (message.Author.Role)
            {
                case Role.Developer when message.Content.OfType<DeveloperContent>().FirstOrDefault()?.Instructions is { Length: > 0 } instructions:
                    messages.Add(new JsonObject { ["role"] = "system", ["content"] = instructions });
                    break;
                case Role.User:
                    messages.Add(new JsonObject { ["role"] = "user", ["content"] = message.Text });
                    break;
                case Role.Assistant when message.Recipient is { } recipient && recipient.StartsWith("functions.", StringComparison.Ordinal):
                    var id = $"call_{++callNumber}";
                    callIds.Enqueue(id);
                    messages.Add(new JsonObject
                    {
                        ["role"] = "assistant",
                        ["content"] = null,
                        ["tool_calls"] = new JsonArray(new JsonObject
                        {
                            ["id"] = id, ["type"] = "function",
                            ["function"] = new JsonObject { ["name"] = recipient["functions.".Length..], ["arguments"] = message.Text },
                        }),
                    });
                    break;
                case Role.Assistant when message.Channel is null or Channels.Final:
                    messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = message.Text });
                    break;
                case Role.Tool:
                    messages.Add(new JsonObject
                    {
                        ["role"] = "tool", ["tool_call_id"] = callIds.Count > 0 ? callIds.Dequeue() : $"call_{callNumber}", ["content"] = message.Text,
                    });
                    break;
            }
        }
        return messages;
    }

    /// <summary>The developer message's function tools in the chat API's "tools" shape, or null.</summary>
    public static JsonArray? Tools(IReadOnlyList<ToolDescription> tools) => tools.Count == 0
        ? null
        : new JsonArray(tools.Select(t => (JsonNode)new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = t.Parameters?.DeepClone() ?? new JsonObject { ["type"] = "object" },
            },
        }).ToArray());
}
