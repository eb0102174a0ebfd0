namespace GptOssWorkbench.Data.Reviews;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;

public class Comment
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public Run? Run { get; set; }
    public string AuthorUserId { get; set; } = "";
    public User? Author { get; set; }
    public string Text { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}
