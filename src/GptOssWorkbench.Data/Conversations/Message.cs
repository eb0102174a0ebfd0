namespace GptOssWorkbench.Data.Conversations;

using GptOssWorkbench.Data.Runs;

/// <summary>
/// One harmony message. A message belongs to a conversation (chat), to a run (the run's completion), or to
/// both (an assistant reply in a chat). Messages form a tree through <see cref="ParentMessageId"/>: editing
/// and resending a user message adds a sibling under the same parent, so the old branch and its runs stay.
/// </summary>
public class Message
{
    public long Id { get; set; }

    public long? ConversationId { get; set; }
    public Conversation? Conversation { get; set; }

    /// <summary>The run whose completion produced this message; null for messages people wrote.</summary>
    public long? RunId { get; set; }
    public Run? Run { get; set; }

    public long? ParentMessageId { get; set; }
    public Message? Parent { get; set; }
    public List<Message> Children { get; set; } = [];

    public MessageRole Role { get; set; }

    /// <summary>Harmony channel (<see cref="MessageChannels"/>); null for messages without one (user, system).</summary>
    public string? Channel { get; set; }

    /// <summary>Harmony recipient, e.g. <c>functions.get_weather</c> for a tool call.</summary>
    public string? Recipient { get; set; }

    /// <summary>Harmony content type, e.g. <c>&lt;|constrain|&gt;json</c> for tool-call arguments.</summary>
    public string? ContentType { get; set; }

    public string Content { get; set; } = "";
    public int TokenCount { get; set; }

    /// <summary>Position in its thread: 0 for a root message, the parent's Order + 1 otherwise.</summary>
    public int Order { get; set; }

    public DateTime CreatedAt { get; set; }
}
