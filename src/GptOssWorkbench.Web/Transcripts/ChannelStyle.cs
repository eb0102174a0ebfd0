namespace GptOssWorkbench.Web.Transcripts;

using GptOssWorkbench.Data.Conversations;

/// <summary>How a harmony message is labelled and styled in transcripts.</summary>
public static class ChannelStyle
{
    public static string CssClass(MessageRole role, string? channel) => (role, channel) switch
    {
        (MessageRole.Assistant, MessageChannels.Analysis) => "msg msg-analysis",
        (MessageRole.Assistant, MessageChannels.Commentary) => "msg msg-commentary",
        (MessageRole.Assistant, MessageChannels.Final) => "msg msg-final",
        (MessageRole.Assistant, _) => "msg msg-final",
        (MessageRole.Tool, _) => "msg msg-tool",
        (MessageRole.User, _) => "msg msg-user",
        _ => "msg msg-instructions",
    };

    public static string Label(MessageRole role, string? channel, string? recipient) => (role, channel) switch
    {
        // Built-in tools (browser, python) are called on the analysis channel: such a message is the call's
        // arguments or code, not chain of thought.
        (MessageRole.Assistant, MessageChannels.Analysis) when recipient is not null => $"Tool call → {recipient} (analysis)",
        (MessageRole.Assistant, MessageChannels.Analysis) => "Reasoning (analysis)",
        (MessageRole.Assistant, MessageChannels.Commentary) when recipient is not null => $"Tool call → {recipient}",
        (MessageRole.Assistant, MessageChannels.Commentary) => "Preamble (commentary)",
        (MessageRole.Assistant, MessageChannels.Final) => "Answer (final)",
        (MessageRole.Assistant, null) => "Answer",
        (MessageRole.Assistant, _) => $"Assistant ({channel})",
        (MessageRole.Tool, _) => recipient is null ? "Tool result" : $"Tool result ({recipient})",
        (MessageRole.User, _) => "User",
        (MessageRole.System, _) => "System",
        (MessageRole.Developer, _) => "Developer instructions",
        _ => role.ToString(),
    };

    public static bool IsAnswer(MessageRole role, string? channel) =>
        role == MessageRole.Assistant && (channel is null or MessageChannels.Final);

    /// <summary>Chain of thought: an analysis message addressed to nobody (one with a recipient is a built-in tool call).</summary>
    public static bool IsReasoning(MessageRole role, string? channel, string? recipient) =>
        role == MessageRole.Assistant && channel == MessageChannels.Analysis && recipient is null;

    /// <summary>
    /// A tool call: an assistant message addressed to a tool; its text is the call's arguments. Developer functions are
    /// called on commentary, the built-in browser and python tools on analysis.
    /// </summary>
    public static bool IsToolCall(MessageRole role, string? channel, string? recipient) =>
        role == MessageRole.Assistant && channel is (MessageChannels.Commentary or MessageChannels.Analysis) && recipient is not null;
}
