namespace GptOssWorkbench.Data.Conversations;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;

/// <summary>A chat thread. Its messages form a tree (see <see cref="Message.ParentMessageId"/>).</summary>
public class Conversation
{
    public long Id { get; set; }
    public string Title { get; set; } = "";
    public bool IsPinned { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public string? CreatedByUserId { get; set; }
    public User? CreatedBy { get; set; }

    public List<Message> Messages { get; set; } = [];
    public List<Run> Runs { get; set; } = [];
}
