namespace GptOssWorkbench.Data.Conversations;

/// <summary>
/// Harmony channel names. Stored as plain strings rather than an enum because the model can emit a channel
/// name we do not know, and dropping what it actually said would defeat the point of a workbench.
/// </summary>
public static class MessageChannels
{
    /// <summary>Chain of thought: shown to reviewers, never to end users as the answer.</summary>
    public const string Analysis = "analysis";

    /// <summary>Tool calls and their preambles.</summary>
    public const string Commentary = "commentary";

    /// <summary>The answer.</summary>
    public const string Final = "final";
}
