namespace GptOssWorkbench.Data.Conversations;

/// <summary>Harmony author roles.</summary>
public enum MessageRole
{
    System,
    Developer,
    User,
    Assistant,
    Tool,
}
