namespace GptOssWorkbench.Pipeline.Runs;

using GptOssWorkbench.Data.Conversations;

/// <summary>A new user message in a chat.</summary>
/// <param name="ConversationId">Null starts a new conversation.</param>
/// <param name="ParentMessageId">
/// The message the new one follows. Null continues after the conversation's latest message; an earlier
/// message's id branches there (edit-and-resend: pass the edited message's parent).
/// </param>
/// <param name="AsNewRoot">
/// True starts a new root thread inside an existing conversation (edit-and-resend of its first message, which has no
/// parent to pass): the old first message and its runs stay as a sibling branch.
/// </param>
public sealed record ChatMessageRequest(long? ConversationId, string Text, RunSettings Settings, long? ParentMessageId = null, string? UserId = null, bool AsNewRoot = false);

/// <summary>What <see cref="RunLauncher.SendChatMessageAsync"/> created.</summary>
public sealed record ChatTurn(long ConversationId, long UserMessageId, long RunId);

/// <summary>One message of a prompt given as a list (the /v1 API). Tool messages carry the tool's name (e.g. functions.get_weather) in Recipient.</summary>
public sealed record PromptMessage(MessageRole Role, string Content, string? Channel = null, string? Recipient = null);
