namespace GptOssWorkbench.Data.Reviews;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;

/// <summary>
/// A blind A/B judgement of two runs of the same prompt. The row is created when the pair is shown (with
/// the random left/right choice) and gets its vote later, so an abandoned pair is visible as unvoted.
/// The vote is about runs A and B, not about screen sides, so the leaderboard never needs the layout.
/// </summary>
public class PairwiseComparison
{
    public long Id { get; set; }
    public long RunAId { get; set; }
    public Run? RunA { get; set; }
    public long RunBId { get; set; }
    public Run? RunB { get; set; }

    /// <summary>True when run A was shown on the left (randomized per comparison against position bias).</summary>
    public bool RunAShownLeft { get; set; }

    public ComparisonVote? Vote { get; set; }
    public string VoterUserId { get; set; } = "";
    public User? Voter { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? VotedAt { get; set; }
}
