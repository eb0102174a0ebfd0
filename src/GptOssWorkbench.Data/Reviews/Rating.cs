namespace GptOssWorkbench.Data.Reviews;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;

/// <summary>
/// One reviewer's judgement of one run (at most one per reviewer and run). The reasoning and the answer are
/// scored separately because a right answer can come from wrong reasoning and the other way round.
/// </summary>
public class Rating
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public Run? Run { get; set; }
    public string ReviewerUserId { get; set; } = "";
    public User? Reviewer { get; set; }

    /// <summary>1–5, or null when the reviewer only rated the answer.</summary>
    public int? ReasoningScore { get; set; }

    /// <summary>1–5, or null when the reviewer only rated the reasoning.</summary>
    public int? AnswerScore { get; set; }

    /// <summary>Free labels such as <see cref="RatingLabels.Correct"/>.</summary>
    public List<string> Labels { get; set; } = [];

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
