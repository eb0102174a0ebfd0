namespace GptOssWorkbench.Engine.Harmony;

using System.Text.Json.Nodes;

/// <summary>Message author roles. A tool's message has role <see cref="Tool"/> and the tool's name as author name.</summary>
public enum Role { System, Developer, User, Assistant, Tool }

public enum ReasoningEffort { Low, Medium, High }

public sealed record Author(Role Role, string? Name = null);

/// <summary>One piece of a message's content: text, or the structured system/developer content.</summary>
public abstract record Content;

public sealed record TextContent(string Text) : Content;

public sealed record ChannelConfig(IReadOnlyList<string> ValidChannels, bool ChannelRequired)
{
    public static ChannelConfig Require(params string[] channels) => new(channels, true);
}

/// <summary>A function tool; <see cref="Parameters"/> is a JSON Schema object (property order is kept).</summary>
public sealed record ToolDescription(string Name, string Description, JsonObject? Parameters = null);

/// <summary>A namespace of tools, e.g. "functions" (developer tools) or "browser"/"python" (built-in tools).</summary>
public sealed record ToolNamespace(string Name, string? Description, IReadOnlyList<ToolDescription> Tools);

/// <summary>System message content. Defaults equal the reference library's <c>SystemContent.new()</c>.</summary>
public sealed record SystemContent : Content
{
    public const string DefaultIdentity = "You are ChatGPT, a large language model trained by OpenAI.";

    public string? ModelIdentity { get; init; } = DefaultIdentity;
    public ReasoningEffort? ReasoningEffort { get; init; } = Harmony.ReasoningEffort.Medium;
    /// <summary>Rendered as "Current date: ..."; an ISO date such as 2025-06-28.</summary>
    public string? ConversationStartDate { get; init; }
    public string? KnowledgeCutoff { get; init; } = "2024-06";
    public ChannelConfig? ChannelConfig { get; init; } = ChannelConfig.Require("analysis", "commentary", "final");
    /// <summary>Built-in tool namespaces (browser, python).</summary>
    public IReadOnlyList<ToolNamespace>? Tools { get; init; }
}

/// <summary>Developer message content: instructions and function tools.</summary>
public sealed record DeveloperContent : Content
{
    public string? Instructions { get; init; }
    public IReadOnlyList<ToolNamespace>? Tools { get; init; }

    public static DeveloperContent WithFunctions(string? instructions, params ToolDescription[] functions) => new()
    {
        Instructions = instructions,
        Tools = [new ToolNamespace("functions", null, functions)],
    };
}

public static class Channels
{
    public const string Analysis = "analysis";
    public const string Commentary = "commentary";
    public const string Final = "final";
}

/// <summary>One harmony message. <see cref="Recipient"/> set on an assistant message makes it a tool call.</summary>
public sealed record HarmonyMessage(Author Author, IReadOnlyList<Content> Content)
{
    public string? Channel { get; init; }
    public string? Recipient { get; init; }
    /// <summary>E.g. "&lt;|constrain|&gt;json" for a JSON tool call, or "code".</summary>
    public string? ContentType { get; init; }

    public Role Role => Author.Role;

    /// <summary>All text content concatenated.</summary>
    public string Text => string.Concat(Content.OfType<TextContent>().Select(c => c.Text));

    public static HarmonyMessage FromText(Role role, string text, string? channel = null) =>
        new(new Author(role), [new TextContent(text)]) { Channel = channel };

    public static HarmonyMessage System(SystemContent content) => new(new Author(Role.System), [content]);

    public static HarmonyMessage Developer(DeveloperContent content) => new(new Author(Role.Developer), [content]);

    public static HarmonyMessage User(string text) => FromText(Role.User, text);

    public static HarmonyMessage Assistant(string text, string channel) => FromText(Role.Assistant, text, channel);

    /// <summary>An assistant tool call, as the renderer writes it into history (recipient after the role).</summary>
    public static HarmonyMessage ToolCall(string recipient, string arguments, string channel = Channels.Commentary,
        string? contentType = "<|constrain|>json") =>
        FromText(Role.Assistant, arguments, channel) with { Recipient = recipient, ContentType = contentType };

    /// <summary>A tool's answer, addressed to the assistant on the commentary channel (spec 7.5: always both set).</summary>
    public static HarmonyMessage ToolResult(string toolName, string output, string channel = Channels.Commentary) =>
        new HarmonyMessage(new Author(Role.Tool, toolName), [new TextContent(output)]) { Channel = channel, Recipient = "assistant" };
}

public sealed record Conversation(IReadOnlyList<HarmonyMessage> Messages)
{
    public static Conversation Of(params HarmonyMessage[] messages) => new(messages);

    public Conversation Append(params IEnumerable<HarmonyMessage> messages) => new([.. Messages, .. messages]);
}
