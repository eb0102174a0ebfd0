namespace GptOssWorkbench.Engine.Harmony;

using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>
/// Reads and writes conversations in openai_harmony's own JSON (what Python's <c>Conversation.to_json()</c> writes),
/// field for field: <c>{"messages": [{"role", "name", "content": [{"type": "text", "text"} | system_content |
/// developer_content], "channel"?, "recipient"?, "content_type"?}]}</c>. Reading also accepts the Rust serde form
/// (content as a plain string, "name" absent). Fields missing from a system_content get the library's defaults,
/// while an explicit null means "not set", exactly as the Python classes behave.
/// </summary>
public static class HarmonyJson
{
    public static string Write(Conversation conversation) => PythonStyleJson.Serialize(ToNode(conversation));

    public static string WriteMessages(IEnumerable<HarmonyMessage> messages) => Write(new Conversation([.. messages]));

    public static JsonObject ToNode(Conversation conversation) =>
        new() { ["messages"] = new JsonArray([.. conversation.Messages.Select(MessageNode)]) };

    /// <summary>Parses a conversation; errors name the JSON path of the bad field.</summary>
    public static Conversation Read(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new HarmonyJsonException($"invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}");
        }
        if (root is not JsonObject obj) throw new HarmonyJsonException("$: expected an object with a \"messages\" array");
        if (obj["messages"] is not JsonArray messages) throw new HarmonyJsonException("$.messages: missing or not an array");
        return new Conversation([.. messages.Select((m, i) => ReadMessage(m, $"$.messages[{i}]"))]);
    }

    private static JsonObject MessageNode(HarmonyMessage message)
    {
        var node = new JsonObject
        {
            ["role"] = HarmonyRenderer.RoleName(message.Role),
            ["name"] = message.Author.Name,
            ["content"] = new JsonArray([.. message.Content.Select(ContentNode)]),
        };
        if (message.Channel is not null) node["channel"] = message.Channel;
        if (message.Recipient is not null) node["recipient"] = message.Recipient;
        if (message.ContentType is not null) node["content_type"] = message.ContentType;
        return node;
    }

    private static JsonObject ContentNode(Content content)
    {
        switch (content)
        {
            case TextContent text:
                return new JsonObject { ["type"] = "text", ["text"] = text.Text };
            case SystemContent system:
                var s = new JsonObject();
                if (system.ModelIdentity is not null) s["model_identity"] = system.ModelIdentity;
                if (system.ReasoningEffort is { } effort) s["reasoning_effort"] = effort.ToString(); // "Low", "Medium", "High"
                if (system.ConversationStartDate is not null) s["conversation_start_date"] = system.ConversationStartDate;
                if (system.KnowledgeCutoff is not null) s["knowledge_cutoff"] = system.KnowledgeCutoff;
                if (system.ChannelConfig is { } channels)
                {
                    s["channel_config"] = new JsonObject
                    {
                        ["valid_channels"] = new JsonArray([.. channels.ValidChannels.Select(c => (JsonNode?)c)]),
                        ["channel_required"] = channels.ChannelRequired,
                    };
                }
                if (system.Tools is not null) s["tools"] = ToolsNode(system.Tools);
                s["type"] = "system_content";
                return s;
            case DeveloperContent developer:
                var d = new JsonObject();
                if (developer.Instructions is not null) d["instructions"] = developer.Instructions;
                if (developer.Tools is not null) d["tools"] = ToolsNode(developer.Tools);
                d["type"] = "developer_content";
                return d;
            default:
                throw new ArgumentException($"unknown content {content.GetType().Name}");
        }
    }

    private static JsonObject ToolsNode(IEnumerable<ToolNamespace> namespaces)
    {
        var map = new JsonObject();
        foreach (var ns in namespaces)
        {
            var node = new JsonObject { ["name"] = ns.Name };
            if (ns.Description is not null) node["description"] = ns.Description;
            node["tools"] = new JsonArray([.. ns.Tools.Select(t =>
            {
                var tool = new JsonObject { ["name"] = t.Name, ["description"] = t.Description };
                if (t.Parameters is not null) tool["parameters"] = t.Parameters.DeepClone();
                return (JsonNode?)tool;
            })]);
            map[ns.Name] = node;
        }
        return map;
    }

    private static HarmonyMessage ReadMessage(JsonNode? node, string path)
    {
        var obj = node as JsonObject ?? throw new HarmonyJsonException($"{path}: expected a message object");
        var roleText = RequiredString(obj, "role", path);
        var role = roleText switch
        {
            "system" => Role.System,
            "developer" => Role.Developer,
            "user" => Role.User,
            "assistant" => Role.Assistant,
            "tool" => Role.Tool,
            _ => throw new HarmonyJsonException($"{path}.role: unknown role \"{roleText}\" (expected system, developer, user, assistant or tool)"),
        };
        var name = OptionalString(obj, "name", path);
        if (role == Role.Tool && name is null) throw new HarmonyJsonException($"{path}.name: a tool message needs the tool's name");
        IReadOnlyList<Content> content = obj["content"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => [new TextContent(v.GetValue<string>())],
            JsonArray items => [.. items.Select((c, i) => ReadContent(c, $"{path}.content[{i}]"))],
            null => throw new HarmonyJsonException($"{path}.content: missing"),
            _ => throw new HarmonyJsonException($"{path}.content: expected a string or an array of content objects"),
        };
        return new HarmonyMessage(new Author(role, name), content)
        {
            Channel = OptionalString(obj, "channel", path),
            Recipient = OptionalString(obj, "recipient", path),
            ContentType = OptionalString(obj, "content_type", path),
        };
    }

    private static Content ReadContent(JsonNode? node, string path)
    {
        var obj = node as JsonObject ?? throw new HarmonyJsonException($"{path}: expected a content object");
        var type = RequiredString(obj, "type", path);
        switch (type)
        {
            case "text":
                return new TextContent(RequiredString(obj, "text", path));
            case "system_content":
                var defaults = new SystemContent();
                return new SystemContent
                {
                    ModelIdentity = obj.ContainsKey("model_identity") ? OptionalString(obj, "model_identity", path) : defaults.ModelIdentity,
                    ReasoningEffort = obj.ContainsKey("reasoning_effort") ? ReadEffort(obj, path) : defaults.ReasoningEffort,
                    ConversationStartDate = OptionalString(obj, "conversation_start_date", path),
                    KnowledgeCutoff = obj.ContainsKey("knowledge_cutoff") ? OptionalString(obj, "knowledge_cutoff", path) : defaults.KnowledgeCutoff,
                    ChannelConfig = obj.ContainsKey("channel_config") ? ReadChannelConfig(obj["channel_config"], $"{path}.channel_config") : defaults.ChannelConfig,
                    Tools = ReadTools(obj["tools"], $"{path}.tools"),
                };
            case "developer_content":
                return new DeveloperContent
                {
                    Instructions = OptionalString(obj, "instructions", path),
                    Tools = ReadTools(obj["tools"], $"{path}.tools"),
                };
            default:
                throw new HarmonyJsonException($"{path}.type: unknown content type \"{type}\" (expected text, system_content or developer_content)");
        }
    }

    private static ReasoningEffort? ReadEffort(JsonObject obj, string path) => OptionalString(obj, "reasoning_effort", path) switch
    {
        null => null,
        var s when Enum.TryParse<ReasoningEffort>(s, ignoreCase: true, out var effort) => effort,
        var s => throw new HarmonyJsonException($"{path}.reasoning_effort: \"{s}\" is not Low, Medium or High"),
    };

    private static ChannelConfig? ReadChannelConfig(JsonNode? node, string path)
    {
        if (node is null) return null;
        var obj = node as JsonObject ?? throw new HarmonyJsonException($"{path}: expected an object");
        var channels = obj["valid_channels"] as JsonArray ?? throw new HarmonyJsonException($"{path}.valid_channels: missing or not an array");
        var names = channels.Select((c, i) => c is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw new HarmonyJsonException($"{path}.valid_channels[{i}]: expected a string")).ToList();
        var required = obj["channel_required"] switch
        {
            null => false,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            _ => throw new HarmonyJsonException($"{path}.channel_required: expected true or false"),
        };
        return new ChannelConfig(names, required);
    }

    private static IReadOnlyList<ToolNamespace>? ReadTools(JsonNode? node, string path)
    {
        if (node is null) return null;
        var map = node as JsonObject ?? throw new HarmonyJsonException($"{path}: expected an object of tool namespaces");
        var result = new List<ToolNamespace>();
        foreach (var (key, value) in map)
        {
            var nsPath = $"{path}.{key}";
            var ns = value as JsonObject ?? throw new HarmonyJsonException($"{nsPath}: expected a tool namespace object");
            var tools = ns["tools"] switch
            {
                null => [],
                JsonArray items => items.Select((t, i) => ReadTool(t, $"{nsPath}.tools[{i}]")).ToList(),
                _ => throw new HarmonyJsonException($"{nsPath}.tools: expected an array"),
            };
            result.Add(new ToolNamespace(OptionalString(ns, "name", nsPath) ?? key, OptionalString(ns, "description", nsPath), tools));
        }
        return result;
    }

    private static ToolDescription ReadTool(JsonNode? node, string path)
    {
        var obj = node as JsonObject ?? throw new HarmonyJsonException($"{path}: expected a tool object");
        var parameters = obj["parameters"] switch
        {
            null => null,
            JsonObject schema => schema.DeepClone().AsObject(),
            _ => throw new HarmonyJsonException($"{path}.parameters: expected a JSON schema object"),
        };
        return new ToolDescription(RequiredString(obj, "name", path), RequiredString(obj, "description", path), parameters);
    }

    private static string RequiredString(JsonObject obj, string field, string path) =>
        OptionalString(obj, field, path) ?? throw new HarmonyJsonException($"{path}.{field}: missing (expected a string)");

    private static string? OptionalString(JsonObject obj, string field, string path) => obj[field] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new HarmonyJsonException($"{path}.{field}: expected a string"),
    };
}

public sealed class HarmonyJsonException(string message) : Exception(message);
