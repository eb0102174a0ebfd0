namespace GptOssWorkbench.Data.Reviews;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;

/// <summary>
/// A note on a highlighted span of a reasoning message: [StartOffset, EndOffset) in UTF-16 chars of that
/// message's Content (what the browser's selection gives).
/// </summary>
public class SpanAnnotation
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public Run? Run { get; set; }
    public long MessageId { get; set; }
    public Message? Message { get; set; }
    public int StartOffset { get; set; }
    public int EndOffset { get; set; }
    public string Note { get; set; } = "";
    public string AuthorUserId { get; set; } = "";
    public User? Author { get; set; }
    public DateTime CreatedAt { get; set; }
}
